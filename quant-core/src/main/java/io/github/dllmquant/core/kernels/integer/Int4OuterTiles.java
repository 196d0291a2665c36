package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The operand layouts of the grouped int4 GEMM with vector lanes over OUTPUT ROWS (outer-product form), whose tiles
 * are {@link Int4NibbleTiles}.
 *
 * <p>Activations as int pairs ({@link #pairs}, cached per call by {@link QuantizedActivations#pairCodes()}): int
 * {@code p} of a token holds its codes {@code 2p} (low short) and {@code 2p + 1} (high), so one 32-bit broadcast from
 * memory gives every lane both codes of a pair step. Weights in panels of {@link #PANEL} rows ({@link #panels}, the
 * only code layout of {@link Int4Weights#panelled()} weights), k-major: per pair step {@code SL} bytes whose zero
 * extension to shorts holds, low nibbles, the two elements {@code 2p, 2p + 1} of rows {@code 0 .. IL − 1} in the two
 * shorts of int lane r (vector 0), high nibbles the same for rows {@code IL .. 2·IL − 1} (vector 1). Transposing
 * row-major nibbles per call instead (gathers of stride k/2) cost ~9 ms per 4096 × 4096 matrix and thread
 * (INT-KERNELS attempt 61); unpacking the panels per call into {@code q − z} ints met by 4-token tiles (session 6,
 * {@code outer4x2}, attempt 62) streamed 4× the bytes from L2 and lost to tiles that unpack in registers (attempt 92).
 */
final class Int4OuterTiles {

    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    private static final int SL = S.length();
    private static final int IL = VectorWidth.INT.length();
    /** Rows of a panel: two int vectors of row lanes. */
    static final int PANEL = 2 * IL;
    /** Pair steps summed in int16 before a split: {@code 16·15·128 ≤ 32767}. */
    static final int CHUNK = 16;

    private Int4OuterTiles() {
    }

    /** Whether the tiles take groups of {@code groupSize} (whole chunks of pair steps). */
    static boolean groupFits(int groupSize) {
        return groupSize % (2 * CHUNK) == 0;
    }

    /** {@code dst[i] = (src[2i] & 0xFFFF) | src[2i + 1] << 16} for {@code i < n/2} ({@code n} even). */
    static void pairs(short[] src, int n, int[] dst) {
        int i = 0;
        for (; i <= n - SL; i += SL) {
            ShortVector.fromArray(S, src, i).reinterpretAsInts().intoArray(dst, i / 2);
        }
        for (; i < n; i += 2) {
            dst[i / 2] = (src[i] & 0xFFFF) | (src[i + 1] << 16);
        }
    }

    /**
     * All codes {@code q[o·in + i]} (unsigned bytes, {@code out} rows of {@code in}) in panels of {@link #PANEL} rows
     * (rows past {@code out} are code 0): panel P at {@code P·SL·in/2}, per pair step p {@code SL} bytes; byte b holds,
     * low nibble, element {@code 2p + b % 2} of row {@code P·PANEL + b/2} (short lane b of the step's vector 0) and,
     * high nibble, the same element of row {@code P·PANEL + IL + b/2} (vector 1). One zero-extending load then gives
     * both vectors of a step. The only code layout {@link Int4Weights#panelled()} weights hold.
     */
    static byte[] panels(byte[] q, int out, int in) {
        int panels = (out + PANEL - 1) / PANEL;
        byte[] dst = new byte[panels * SL * (in / 2)];
        for (int pn = 0; pn < panels; pn++) {
            for (int b = 0; b < SL; b++) {
                int o0 = pn * PANEL + b / 2;
                int o1 = o0 + IL;
                for (int p = 0; p < in / 2; p++) {
                    int i = 2 * p + b % 2;
                    int lo = o0 < out ? q[o0 * in + i] & 0x0F : 0;
                    int hi = o1 < out ? q[o1 * in + i] & 0x0F : 0;
                    dst[(pn * (in / 2) + p) * SL + b] = (byte) (lo | hi << 4);
                }
            }
        }
        return dst;
    }
}
