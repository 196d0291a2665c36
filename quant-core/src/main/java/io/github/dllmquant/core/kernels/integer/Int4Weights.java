package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.KernelProvider;
import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * A {@link QuantizedWeight} of 2..4 bits packed two codes per byte for the int4 GEMMs (W4A8, W4A4), in ONE of two
 * layouts, chosen at construction; only that layout is held, and {@link #bytes()} counts every array held.
 *
 * <p><b>Panel layout</b> ({@link #panelled()}): grouped weights the outer-product tiles take ({@link #panelLayout}:
 * Panama kernels, more than one group per row, every zero point in [0, 15], a group size that is a multiple of 32).
 * The codes are in the panel order of {@link Int4OuterTiles#panels} ({@link Int4OuterTiles#PANEL} rows per panel,
 * k-major, rows past {@code out} code 0), read by the tiles of {@link Int4NibbleTiles} for any number of tokens;
 * scales, zeros and code sums are in panel order too ({@link #meta}), zero-padded to
 * whole panels, so a tile loads one group's values for a panel's rows as one vector. Until session 7 these weights
 * kept the row-major nibbles below as well and built the panels on the first call with 4 tokens or more: another
 * 0.5 byte per weight that {@code bytes()} did not count (INT-KERNELS attempts 62, 90).
 *
 * <p><b>Row-major layout</b>, for every other weight (one group per row, a zero point outside [0, 15], a group size
 * the outer tiles cannot take, or the scalar kernels): the nibble order of ggml's Q4_0 generalised to a block of
 * {@code B} elements: within each block, byte {@code j} holds element {@code j} in its low nibble and element
 * {@code j + B/2} in its high nibble. After unpacking (AND and shift only) the low nibbles are the block's first
 * half and the high nibbles its second half, each matching a contiguous run of activation bytes: no shuffles. The
 * Panama kernels use {@code B} = two vectors' worth of 16-bit lanes ({@code B = 32} at 256 bits, as ggml).
 *
 * <p>Nibbles stay unsigned ({@code q ∈ [0, 15]}); zero points are handled by the correction
 * {@code Σ (q − z)(a − za) = Σ q·a − za·Σ q − z·Σ a + n·z·za}, with {@code Σ q} per (row, group) kept here
 * and {@code Σ a} per (token, group) computed once while quantizing the activations.
 * <pre>
 *   packed[o·in/2 + b·B/2 + j] = q[o][b·B + j] | q[o][b·B + j + B/2] &lt;&lt; 4      j &lt; B/2 (row-major layout)
 *   zeros[meta(o, g)]          = z[o][g]                      (raw, uncentred)
 *   sums[meta(o, g)]           = Σ_{i in group g} q[o][i]
 *   W[o][i]                    = scales[meta(o, g)] · (q[o][i] − zeros[meta(o, g)])
 *   meta(o, g)                 = o·groups + g   (row-major),   (o/PANEL·groups + g)·PANEL + o%PANEL   (panels)
 * </pre>
 */
public final class Int4Weights {

    private final int out;
    private final int in;
    private final int groupSize;
    private final int bits;
    private final int block;
    /** Row-major nibbles, or the panel layout when {@code panel > 0}. */
    private final byte[] codes;
    /** Rows per panel of the panel layout; 0 for the row-major layout. */
    private final int panel;
    private final float[] scales;
    private final int[] zeros;
    private final int[] sums;
    /** Row-major layout only (the k-lane grouped kernel's correction); empty for panels. */
    private final float[] zeroCorrection;
    private final boolean zerosInNibbleRange;

    private Int4Weights(QuantizedWeight w, int block) {
        this.out = w.out();
        this.in = w.in();
        this.groupSize = w.groupSize();
        this.bits = w.bits();
        this.block = block;
        int groups = w.groups();
        int[] rawZeros = Int8Weights.integerZeros(w, 0);
        int[] rawSums = new int[out * groups];
        byte[] q = w.codes();
        int maxCode = w.maxCode();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int code = q[o * in + i] & 0xFF;
                if (code > maxCode) {
                    throw new IllegalArgumentException("weight code " + code + " at (" + o + ", " + i
                            + ") exceeds the " + bits + "-bit maximum " + maxCode);
                }
                rawSums[o * groups + i / groupSize] += code;
            }
        }
        boolean inRange = true;
        for (int z : rawZeros) {
            inRange &= z >= 0 && z <= 15;
        }
        this.zerosInNibbleRange = inRange;
        this.panel = panelLayout(groups, groupSize, inRange) ? Int4OuterTiles.PANEL : 0;
        if (panel > 0) {
            this.codes = Int4OuterTiles.panels(q, out, in);
            int rows = (out + panel - 1) / panel * panel;
            this.scales = new float[rows * groups];
            this.zeros = new int[rows * groups];
            this.sums = new int[rows * groups];
            float[] rawScales = w.scales();
            for (int o = 0; o < out; o++) {
                for (int g = 0; g < groups; g++) {
                    int m = meta(o, g);
                    scales[m] = rawScales[o * groups + g];
                    zeros[m] = rawZeros[o * groups + g];
                    sums[m] = rawSums[o * groups + g];
                }
            }
            this.zeroCorrection = new float[0];
            return;
        }
        this.scales = w.scales().clone();
        this.zeros = rawZeros;
        this.sums = rawSums;
        this.codes = new byte[out * (in / 2)];
        int half = block / 2;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int code = q[o * in + i] & 0xFF;
                int j = i % block;
                codes[o * (in / 2) + (i / block) * half + j % half] |= (byte) (j < half ? code : code << 4);
            }
        }
        // Σ_g sw·Σ_i (q − z) per row: with zeros subtracted while unpacking, the activation zero point
        // contributes −za·zeroCorrection[o] (used by the grouped k-lane Panama kernel)
        this.zeroCorrection = new float[out];
        for (int o = 0; o < out; o++) {
            double c = 0;
            for (int g = 0; g < groups; g++) {
                c += (double) scales[o * groups + g] * (sums[o * groups + g] - (long) groupSize * zeros[o * groups + g]);
            }
            zeroCorrection[o] = (float) c;
        }
    }

    /**
     * Whether weights of this grouping get the panel layout: the Panama kernels are in use (the panel width is their
     * vector width), more than one group per row, zeros in [0, 15] (the int16 bound of the outer tiles) and whole
     * chunks of pair steps per group ({@link Int4OuterTiles#groupFits}). Tested in this order so that without the
     * vector module no Panama class is loaded.
     */
    static boolean panelLayout(int groups, int groupSize, boolean zerosInNibbleRange) {
        return groups > 1 && zerosInNibbleRange && KernelProvider.panama() && Int4OuterTiles.groupFits(groupSize);
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

    /** The unsigned code at {@code (o, i)}, read back from whichever layout is held. */
    public int code(int o, int i) {
        if (panel > 0) {
            int il = panel / 2;
            int r = o % panel;
            // pair step (o/PANEL, i/2) is PANEL bytes: byte 2·(r mod IL) + i%2, low nibble for r < IL, high above
            int v = codes[((o / panel) * (in / 2) + i / 2) * panel + 2 * (r % il) + (i & 1)] & 0xFF;
            return r < il ? v & 0x0F : v >>> 4;
        }
        int half = block / 2;
        int j = i % block;
        int b = codes[o * (in / 2) + (i / block) * half + j % half] & 0xFF;
        return j < half ? b & 0x0F : b >>> 4;
    }

    /**
     * The {@link QuantizedWeight} this layout was built from, rebuilt in fresh arrays from whichever layout is held:
     * equal to it field by field (codes, raw zeros, the scales' float bits as given), except that a zero point of
     * {@code −0.0} comes back as {@code 0.0}. Allocates {@code out·in} bytes plus the metadata on every call.
     *
     * @param symmetric the grid's symmetry flag, which this layout does not keep (only the zeros matter to it)
     */
    public QuantizedWeight toQuantizedWeight(boolean symmetric) {
        byte[] q = new byte[out * in];
        int pairs = in / 2;
        if (panel > 0) {
            // the inverse of code(o, i), one pair step (PANEL rows × 2 columns, PANEL bytes) at a time
            int il = panel / 2;
            for (int p = 0; p * panel < out; p++) {
                int rows = Math.min(panel, out - p * panel);
                for (int s = 0; s < pairs; s++) {
                    int base = (p * pairs + s) * panel;
                    for (int r = 0; r < rows; r++) {
                        int row = (p * panel + r) * in + 2 * s;
                        int at = base + 2 * (r % il);
                        int shift = r < il ? 0 : 4;
                        q[row] = (byte) ((codes[at] & 0xFF) >>> shift & 0x0F);
                        q[row + 1] = (byte) ((codes[at + 1] & 0xFF) >>> shift & 0x0F);
                    }
                }
            }
        } else {
            int half = block / 2;
            for (int o = 0; o < out; o++) {
                for (int b = 0; b < in / block; b++) {
                    for (int j = 0; j < half; j++) {
                        int v = codes[o * pairs + b * half + j] & 0xFF;
                        q[o * in + b * block + j] = (byte) (v & 0x0F);
                        q[o * in + b * block + j + half] = (byte) (v >>> 4);
                    }
                }
            }
        }
        int groups = in / groupSize;
        float[] s = new float[out * groups];
        float[] z = new float[out * groups];
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                int m = meta(o, g);
                s[o * groups + g] = scales[m];
                z[o * groups + g] = zeros[m];
            }
        }
        return new QuantizedWeight(out, in, bits, groupSize, symmetric, q, s, z);
    }

    /** Whether the codes are held in the panel layout (see the class comment); otherwise as row-major nibbles. */
    public boolean panelled() {
        return panel > 0;
    }

    /** Index of (row {@code o}, group {@code g}) in {@link #scales()}, {@link #zeros()} and {@link #sums()}, either layout. */
    int meta(int o, int g) {
        int groups = in / groupSize;
        return panel > 0 ? ((o / panel) * groups + g) * panel + o % panel : o * groups + g;
    }

    /** The row-major nibbles; only for weights that are not {@link #panelled()}. */
    byte[] packed() {
        if (panel > 0) {
            throw new IllegalStateException("int4 weights held in the panel layout have no row-major nibbles");
        }
        return codes;
    }

    /** The panel layout of {@link Int4OuterTiles#panels}; only for {@link #panelled()} weights. */
    byte[] panelCodes() {
        if (panel == 0) {
            throw new IllegalStateException("int4 weights held row-major have no panel layout");
        }
        return codes;
    }

    /** Scales at {@link #meta} (the live array). */
    float[] scales() {
        return scales;
    }

    /** Raw zero points at {@link #meta} (the live array). */
    int[] zeros() {
        return zeros;
    }

    /** Code sums {@code Σ q} at {@link #meta} (the live array). */
    int[] sums() {
        return sums;
    }

    /** Row-major layout only: {@code Σ_g sw·Σ(q − z)} per row. */
    float[] zeroCorrection() {
        return zeroCorrection;
    }

    /** Whether every zero point lies in [0, 15], so {@code q − z} fits the int16 bounds of the grouped kernels. */
    boolean zerosInNibbleRange() {
        return zerosInNibbleRange;
    }

    /** Bytes held: the codes in the one layout kept, scales, zeros, sums and the row-major layout's zero correction. */
    public long bytes() {
        return codes.length + 4L * (scales.length + zeros.length + sums.length + zeroCorrection.length);
    }
}
