package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * A {@link QuantizedWeight} of 2..4 bits packed two codes per byte for the int4 GEMMs (W4A8, W4A4),
 * in the nibble order of ggml's Q4_0 generalised to a block of {@code B} elements: within each block,
 * byte {@code j} holds element {@code j} in its low nibble and element {@code j + B/2} in its high
 * nibble. After unpacking (AND and shift only) the low nibbles are the block's first half and the high
 * nibbles its second half, each matching a contiguous run of activation bytes: no shuffles. The Panama
 * kernels use {@code B} = two vectors' worth of 16-bit lanes ({@code B = 32} at 256 bits, as ggml).
 *
 * <p>Nibbles stay unsigned ({@code q ∈ [0, 15]}); zero points are handled by the correction
 * {@code Σ (q − z)(a − za) = Σ q·a − za·Σ q − z·Σ a + n·z·za}, with {@code Σ q} per (row, group) kept here
 * and {@code Σ a} per (token, group) computed once while quantizing the activations.
 * <pre>
 *   packed[o·in/2 + b·B/2 + j] = q[o][b·B + j] | q[o][b·B + j + B/2] &lt;&lt; 4      j &lt; B/2
 *   zeros[o·groups + g]        = z[o][g]                      (raw, uncentred)
 *   sums[o·groups + g]         = Σ_{i in group g} q[o][i]
 *   W[o][i]                    = scales[o·groups + g] · (q[o][i] − zeros[o·groups + g])
 * </pre>
 */
public final class Int4Weights {

    private final int out;
    private final int in;
    private final int groupSize;
    private final int bits;
    private final int block;
    private final byte[] packed;
    private final float[] scales;
    private final int[] zeros;
    private final int[] sums;
    private final float[] zeroCorrection;
    private final boolean zerosInNibbleRange;
    private volatile byte[] outerPanels;

    private Int4Weights(QuantizedWeight w, int block) {
        this.out = w.out();
        this.in = w.in();
        this.groupSize = w.groupSize();
        this.bits = w.bits();
        this.block = block;
        int groups = w.groups();
        this.scales = w.scales().clone();
        this.zeros = Int8Weights.integerZeros(w, 0);
        this.sums = new int[out * groups];
        this.packed = new byte[out * (in / 2)];
        byte[] q = w.codes();
        int maxCode = w.maxCode();
        int half = block / 2;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int code = q[o * in + i] & 0xFF;
                if (code > maxCode) {
                    throw new IllegalArgumentException("weight code " + code + " at (" + o + ", " + i
                            + ") exceeds the " + bits + "-bit maximum " + maxCode);
                }
                sums[o * groups + i / groupSize] += code;
                int b = i / block;
                int j = i % block;
                int at = o * (in / 2) + b * half + j % half;
                packed[at] |= (byte) (j < half ? code : code << 4);
            }
        }
        // Σ_g sw·Σ_i (q − z) per row: with zeros subtracted while unpacking, the activation zero point
        // contributes −za·zeroCorrection[o] (used by the grouped Panama kernel)
        this.zeroCorrection = new float[out];
        boolean inRange = true;
        for (int o = 0; o < out; o++) {
            double c = 0;
            for (int g = 0; g < groups; g++) {
                int z = zeros[o * groups + g];
                inRange &= z >= 0 && z <= 15;
                c += (double) scales[o * groups + g] * (sums[o * groups + g] - (long) groupSize * z);
            }
            zeroCorrection[o] = (float) c;
        }
        this.zerosInNibbleRange = inRange;
    }

    /**
     * Packs {@code w} with blocks of {@code block} elements.
     *
     * @throws IllegalArgumentException if {@code w} has more than 4 bits, {@code block} is not a positive
     *                                  even number dividing the group size, or a zero point is fractional
     */
    public static Int4Weights of(QuantizedWeight w, int block) {
        if (w.bits() > 4) {
            throw new IllegalArgumentException("int4 packing needs at most 4 bits, got " + w.bits());
        }
        if (!supports(w, block)) {
            throw new IllegalArgumentException("int4 packing needs the group size " + w.groupSize()
                    + " to be a multiple of the block " + block);
        }
        return new Int4Weights(w, block);
    }

    /** Whether {@code w} can be packed with blocks of {@code block} elements. */
    public static boolean supports(QuantizedWeight w, int block) {
        return w.bits() <= 4 && block > 0 && block % 2 == 0 && w.groupSize() % block == 0;
    }

    /** Output channels. */
    public int out() {
        return out;
    }

    /** Input features. */
    public int in() {
        return in;
    }

    /** Columns per group. */
    public int groupSize() {
        return groupSize;
    }

    /** Groups per row. */
    public int groups() {
        return in / groupSize;
    }

    /** Original code width (2..4). */
    public int bits() {
        return bits;
    }

    /** Elements per nibble block {@code B}. */
    public int block() {
        return block;
    }

    /** The unsigned code at {@code (o, i)}, read back from the packed layout. */
    public int code(int o, int i) {
        int half = block / 2;
        int j = i % block;
        int b = packed[o * (in / 2) + (i / block) * half + j % half] & 0xFF;
        return j < half ? b & 0x0F : b >>> 4;
    }

    byte[] packed() {
        return packed;
    }

    float[] scales() {
        return scales;
    }

    int[] zeros() {
        return zeros;
    }

    int[] sums() {
        return sums;
    }

    float[] zeroCorrection() {
        return zeroCorrection;
    }

    /** Whether every zero point lies in [0, 15], so {@code q − z} fits the int16 bounds of the grouped kernel. */
    boolean zerosInNibbleRange() {
        return zerosInNibbleRange;
    }

    /**
     * The codes in the panel layout of {@link Int4OuterTiles#panels} (the grouped GEMM with lanes over rows), built on
     * first use and kept: another 0.5 byte per weight, not counted in {@link #bytes()} (a transposition per call cost
     * ~10x the unpacking, INT-KERNELS attempt 61).
     */
    byte[] outerPanels() {
        byte[] p = outerPanels;
        if (p == null) {
            synchronized (this) {
                p = outerPanels;
                if (p == null) {
                    p = Int4OuterTiles.panels(this);
                    outerPanels = p;
                }
            }
        }
        return p;
    }

    /** Bytes held: packed codes, scales, zeros and sums. */
    public long bytes() {
        return packed.length + 4L * (scales.length + zeros.length + sums.length + zeroCorrection.length);
    }
}
