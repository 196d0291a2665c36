package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Grouped int4 × 8-bit micro-kernels with vector lanes over OUTPUT ROWS (outer-product form), bit-identical to
 * the scalar specification {@link ScalarIntegerKernels#gemm(Int4Weights, QuantizedActivations, float[], int, int)}.
 *
 * <p>Layouts. Activations as int pairs ({@link #pairs}): int {@code p} of a token holds its codes {@code 2p}
 * (low short) and {@code 2p + 1} (high), so one 32-bit broadcast from memory gives every lane both codes of a
 * pair step. Weights {@code q − z} of a panel of {@link #PANEL} rows ({@link #unpack} from the nibble layout of
 * {@link #panels}, the one code layout of {@link Int4Weights#panelled()} weights), k-major and pair-interleaved: per pair step two int
 * vectors, vector v holding rows {@code v·IL .. v·IL + IL − 1}, int lane r = the row's elements {@code 2p} (low
 * short) and {@code 2p + 1} (high). Transposing the row-major nibbles per call instead (gathers of stride k/2)
 * cost ~9 ms per 4096 × 4096 matrix and thread against ~1.2 ms for this unpacking (attempt 61).
 *
 * <p>Lane arithmetic per (token, row): a 16-bit {@code mul} + {@code add} sums one even-k and one odd-k product in
 * the two shorts of an int32 lane; after {@link #CHUNK} pair steps ({@code |q − z| ≤ 15}, {@code |a| ≤ 128}:
 * {@code 16·1920 = 30720} fits a short) both shorts are added into an int32 group sum by shifts; after the group,
 * {@code exact = D − za·Σ_g(q − z)} (= the spec's corrected dot, an int here) and {@code acc += float(exact)·sw} as
 * two float roundings, groups in order from {@code 0f}; the caller multiplies by the token scale. These are the
 * spec's operations per cell, so every tile shape and row split gives the spec's bits. Per g = 128 group a lane
 * pays 4 splits instead of the k-lanes tile's split, I2F and {@code fma} every 4 steps (512 bits): one thread,
 * K = 4096, 4 tokens × 32 rows: 299–314 GFLOP/s against 191–196 for the former k-lane tile {@code Int16Tiles.grouped4x2} on the same
 * operands, 1.06–1.10× the F32 FMA peak (INT-KERNELS attempt 60; the probe is in git history, commit 2bc4c27).
 *
 * <p>As in {@link Int16Tiles}, every Vector API call is written out in the loop bodies and no vector crosses a
 * method boundary of ours.
 */
final class Int4OuterTiles {

    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Byte> B_HALF = PanamaIntegerKernels.B_HALF;
    private static final int SL = S.length();
    private static final int IL = I.length();
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

    /**
     * Unpacks panel {@code pn} of {@link Int4Weights#panelCodes()} into {@code panel} as {@code q − z} (the int layout of
     * the class comment, {@code PANEL·k/2} ints), the rows' per-group {@code Σ(q − z)} into {@code gs} and scales into
     * {@code gw} ({@code PANEL} per group; 0 for rows past {@code out}, whose lanes then compute 0).
     * {@code zs}: scratch of {@code 2·SL} shorts.
     */
    static void unpack(Int4Weights w, byte[] nibbles, int pn, short[] zs, int[] panel, int[] gs, float[] gw) {
        int k = w.in();
        int groups = w.groups();
        int groupSize = w.groupSize();
        int groupPairs = groupSize / 2;
        // panel-ordered, zero-padded: group g of this panel's rows at meta + g·PANEL
        int[] zeros = w.zeros();
        int[] sums = w.sums();
        float[] scales = w.scales();
        int meta = pn * groups * PANEL;
        int base = pn * (k / 2) * SL;
        for (int g = 0; g < groups; g++) {
            for (int r = 0; r < PANEL; r++) {
                int m = meta + g * PANEL + r;
                int z = zeros[m];
                gs[g * PANEL + r] = sums[m] - groupSize * z;
                gw[g * PANEL + r] = scales[m];
                // short lanes 2r', 2r' + 1 of vector r / IL
                int lane = (r / IL) * SL + 2 * (r % IL);
                zs[lane] = (short) z;
                zs[lane + 1] = (short) z;
            }
            ShortVector z0 = ShortVector.fromArray(S, zs, 0);
            ShortVector z1 = ShortVector.fromArray(S, zs, SL);
            for (int p = g * groupPairs; p < (g + 1) * groupPairs; p++) {
                ShortVector q = (ShortVector) ByteVector.fromArray(B_HALF, nibbles, base + p * SL).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                q.and((short) 0x0F).sub(z0).reinterpretAsInts().intoArray(panel, p * PANEL);
                q.lanewise(VectorOperators.LSHR, 4).sub(z1).reinterpretAsInts().intoArray(panel, p * PANEL + IL);
            }
        }
    }

    /**
     * {@code acc[i·PANEL + r] = Σ_g float(D − za[t0 + i]·gs)·gw} (float adds in group order from 0f) for tokens
     * {@code t0 .. t0 + 3} (pairs at {@code aOff + i·aStride}) and the panel's rows.
     */
    static void outer4x2(int[] a, int aOff, int aStride, int[] w, int[] gs, float[] gw, int[] za, int t0,
                         int groups, int groupPairs, float[] acc) {
        int za0 = za[t0];
        int za1 = za[t0 + 1];
        int za2 = za[t0 + 2];
        int za3 = za[t0 + 3];
        FloatVector f00 = FloatVector.zero(F);
        FloatVector f01 = FloatVector.zero(F);
        FloatVector f10 = FloatVector.zero(F);
        FloatVector f11 = FloatVector.zero(F);
        FloatVector f20 = FloatVector.zero(F);
        FloatVector f21 = FloatVector.zero(F);
        FloatVector f30 = FloatVector.zero(F);
        FloatVector f31 = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            IntVector i00 = IntVector.zero(I);
            IntVector i01 = IntVector.zero(I);
            IntVector i10 = IntVector.zero(I);
            IntVector i11 = IntVector.zero(I);
            IntVector i20 = IntVector.zero(I);
            IntVector i21 = IntVector.zero(I);
            IntVector i30 = IntVector.zero(I);
            IntVector i31 = IntVector.zero(I);
            int pEnd = (g + 1) * groupPairs;
            for (int c = g * groupPairs; c < pEnd; c += CHUNK) {
                ShortVector s00 = ShortVector.zero(S);
                ShortVector s01 = ShortVector.zero(S);
                ShortVector s10 = ShortVector.zero(S);
                ShortVector s11 = ShortVector.zero(S);
                ShortVector s20 = ShortVector.zero(S);
                ShortVector s21 = ShortVector.zero(S);
                ShortVector s30 = ShortVector.zero(S);
                ShortVector s31 = ShortVector.zero(S);
                for (int p = c; p < c + CHUNK; p++) {
                    ShortVector w0 = IntVector.fromArray(I, w, p * PANEL).reinterpretAsShorts();
                    ShortVector w1 = IntVector.fromArray(I, w, p * PANEL + IL).reinterpretAsShorts();
                    ShortVector b;
                    b = IntVector.broadcast(I, a[aOff + p]).reinterpretAsShorts();
                    s00 = s00.add(b.mul(w0));
                    s01 = s01.add(b.mul(w1));
                    b = IntVector.broadcast(I, a[aOff + aStride + p]).reinterpretAsShorts();
                    s10 = s10.add(b.mul(w0));
                    s11 = s11.add(b.mul(w1));
                    b = IntVector.broadcast(I, a[aOff + 2 * aStride + p]).reinterpretAsShorts();
                    s20 = s20.add(b.mul(w0));
                    s21 = s21.add(b.mul(w1));
                    b = IntVector.broadcast(I, a[aOff + 3 * aStride + p]).reinterpretAsShorts();
                    s30 = s30.add(b.mul(w0));
                    s31 = s31.add(b.mul(w1));
                }
                // low short sign-extended by a shift pair, high by one shift: both into the int32 group sum
                IntVector x;
                x = s00.reinterpretAsInts();
                i00 = i00.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s01.reinterpretAsInts();
                i01 = i01.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s10.reinterpretAsInts();
                i10 = i10.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s11.reinterpretAsInts();
                i11 = i11.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s20.reinterpretAsInts();
                i20 = i20.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s21.reinterpretAsInts();
                i21 = i21.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s30.reinterpretAsInts();
                i30 = i30.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s31.reinterpretAsInts();
                i31 = i31.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
            }
            int q = g * PANEL;
            IntVector g0 = IntVector.fromArray(I, gs, q);
            IntVector g1 = IntVector.fromArray(I, gs, q + IL);
            FloatVector c0 = FloatVector.fromArray(F, gw, q);
            FloatVector c1 = FloatVector.fromArray(F, gw, q + IL);
            // exact = D − za·Σ(q − z), then acc += float(exact)·sw: the spec's two roundings per group
            f00 = f00.add(((FloatVector) i00.sub(g0.mul(za0)).convertShape(VectorOperators.I2F, F, 0)).mul(c0));
            f01 = f01.add(((FloatVector) i01.sub(g1.mul(za0)).convertShape(VectorOperators.I2F, F, 0)).mul(c1));
            f10 = f10.add(((FloatVector) i10.sub(g0.mul(za1)).convertShape(VectorOperators.I2F, F, 0)).mul(c0));
            f11 = f11.add(((FloatVector) i11.sub(g1.mul(za1)).convertShape(VectorOperators.I2F, F, 0)).mul(c1));
            f20 = f20.add(((FloatVector) i20.sub(g0.mul(za2)).convertShape(VectorOperators.I2F, F, 0)).mul(c0));
            f21 = f21.add(((FloatVector) i21.sub(g1.mul(za2)).convertShape(VectorOperators.I2F, F, 0)).mul(c1));
            f30 = f30.add(((FloatVector) i30.sub(g0.mul(za3)).convertShape(VectorOperators.I2F, F, 0)).mul(c0));
            f31 = f31.add(((FloatVector) i31.sub(g1.mul(za3)).convertShape(VectorOperators.I2F, F, 0)).mul(c1));
        }
        f00.intoArray(acc, 0);
        f01.intoArray(acc, IL);
        f10.intoArray(acc, 2 * IL);
        f11.intoArray(acc, 3 * IL);
        f20.intoArray(acc, 4 * IL);
        f21.intoArray(acc, 5 * IL);
        f30.intoArray(acc, 6 * IL);
        f31.intoArray(acc, 7 * IL);
    }

    /** {@link #outer4x2} for one token (pairs at {@code aOff}, zero point {@code za}): {@code acc[r]}. */
    static void outer1x2(int[] a, int aOff, int[] w, int[] gs, float[] gw, int za, int groups, int groupPairs, float[] acc) {
        FloatVector f00 = FloatVector.zero(F);
        FloatVector f01 = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            IntVector i00 = IntVector.zero(I);
            IntVector i01 = IntVector.zero(I);
            int pEnd = (g + 1) * groupPairs;
            for (int c = g * groupPairs; c < pEnd; c += CHUNK) {
                ShortVector s00 = ShortVector.zero(S);
                ShortVector s01 = ShortVector.zero(S);
                for (int p = c; p < c + CHUNK; p++) {
                    ShortVector b = IntVector.broadcast(I, a[aOff + p]).reinterpretAsShorts();
                    s00 = s00.add(b.mul(IntVector.fromArray(I, w, p * PANEL).reinterpretAsShorts()));
                    s01 = s01.add(b.mul(IntVector.fromArray(I, w, p * PANEL + IL).reinterpretAsShorts()));
                }
                IntVector x;
                x = s00.reinterpretAsInts();
                i00 = i00.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
                x = s01.reinterpretAsInts();
                i01 = i01.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(x.lanewise(VectorOperators.ASHR, 16));
            }
            int q = g * PANEL;
            f00 = f00.add(((FloatVector) i00.sub(IntVector.fromArray(I, gs, q).mul(za)).convertShape(VectorOperators.I2F, F, 0))
                    .mul(FloatVector.fromArray(F, gw, q)));
            f01 = f01.add(((FloatVector) i01.sub(IntVector.fromArray(I, gs, q + IL).mul(za)).convertShape(VectorOperators.I2F, F, 0))
                    .mul(FloatVector.fromArray(F, gw, q + IL)));
        }
        f00.intoArray(acc, 0);
        f01.intoArray(acc, IL);
    }
}
