package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * A {@link QuantizedWeight} of any width 2..8 bits laid out for the int8 GEMM: one signed byte per
 * code, centred by {@code 2^(bits−1)}, with the integer zero points and per-group code sums the
 * zero-point correction needs. Immutable; built once when a layer is constructed.
 *
 * <pre>
 *   codes[o·in + i]     = q[o][i] − 2^(bits−1)                 ∈ [−128, 127]
 *   zeros[o·groups + g] = z[o][g] − 2^(bits−1)                 (any int)
 *   sums[o·groups + g]  = Σ_{i in group g} codes[o·in + i]
 *   scales[o·groups + g]= s[o][g]
 *   W[o][i]             = scales[..] · (codes[o·in + i] − zeros[..])
 * </pre>
 */
public final class Int8Weights {

    private final int out;
    private final int in;
    private final int groupSize;
    private final int bits;
    private final byte[] codes;
    private final float[] scales;
    private final int[] zeros;
    private final int[] sums;
    private final boolean fullNegativeRange;
    private final boolean zeroCentred;
    private final float[] zeroCorrection;

    /** Largest group for which an int32 sum of int8×int8 products cannot overflow (2^31 / 2^14). */
    static final int MAX_GROUP_SIZE = 1 << 17;

    private Int8Weights(QuantizedWeight w) {
        if (w.groupSize() > MAX_GROUP_SIZE) {
            throw new IllegalArgumentException("group size " + w.groupSize() + " exceeds " + MAX_GROUP_SIZE
                    + ": int32 group sums could overflow");
        }
        this.out = w.out();
        this.in = w.in();
        this.groupSize = w.groupSize();
        this.bits = w.bits();
        int groups = w.groups();
        int centre = 1 << (bits - 1);
        this.codes = new byte[out * in];
        this.scales = w.scales().clone();
        this.zeros = integerZeros(w, centre);
        this.sums = new int[out * groups];
        byte[] q = w.codes();
        int maxCode = w.maxCode();
        boolean minus128 = false;
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                int sum = 0;
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                    int code = q[o * in + i] & 0xFF;
                    if (code > maxCode) {
                        throw new IllegalArgumentException("weight code " + code + " at (" + o + ", " + i
                                + ") exceeds the " + bits + "-bit maximum " + maxCode);
                    }
                    int c = code - centre;
                    codes[o * in + i] = (byte) c;
                    sum += c;
                    minus128 |= c == -128;
                }
                sums[o * groups + g] = sum;
            }
        }
        this.fullNegativeRange = minus128;
        // with all centred zeros 0, Σ (w − 0)(a − za) = Σ w·a − za·Σ w: the grouped kernel needs only
        // Σ_g sw·Σ w per row
        boolean centred = true;
        this.zeroCorrection = new float[out];
        for (int o = 0; o < out; o++) {
            double c = 0;
            for (int g = 0; g < groups; g++) {
                centred &= zeros[o * groups + g] == 0;
                c += (double) scales[o * groups + g] * sums[o * groups + g];
            }
            zeroCorrection[o] = (float) c;
        }
        this.zeroCentred = centred;
    }

    /** Converts {@code w}; zero points must be integers. */
    public static Int8Weights of(QuantizedWeight w) {
        return new Int8Weights(w);
    }

    static int[] integerZeros(QuantizedWeight w, int centre) {
        float[] z = w.zeros();
        int[] out = new int[z.length];
        for (int j = 0; j < z.length; j++) {
            float v = z[j];
            if (v != Math.rint(v) || Math.abs(v) > 1 << 20) {
                throw new IllegalArgumentException("integer kernels need integer zero points: zeros[" + j + "] = " + v
                        + " (row " + j / w.groups() + ", group " + j % w.groups() + ")");
            }
            out[j] = (int) v - centre;
        }
        return out;
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

    /** Original code width. */
    public int bits() {
        return bits;
    }

    /** Whether any centred code equals {@code −128} (only possible at 8 bits). */
    public boolean fullNegativeRange() {
        return fullNegativeRange;
    }

    /** Whether every centred zero point is 0 (symmetric grids with zero {@code 2^(bits−1)}). */
    boolean zeroCentred() {
        return zeroCentred;
    }

    float[] zeroCorrection() {
        return zeroCorrection;
    }

    byte[] codes() {
        return codes;
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

    /**
     * The {@link QuantizedWeight} this layout was built from, rebuilt in fresh arrays: equal to it field by field
     * (codes and zeros un-centred, the scales' float bits as given), except that a zero point of {@code −0.0}
     * comes back as {@code 0.0}. Allocates {@code out·in} bytes plus the metadata on every call.
     *
     * @param symmetric the grid's symmetry flag, which this layout does not keep (only the zeros matter to it)
     */
    public QuantizedWeight toQuantizedWeight(boolean symmetric) {
        int centre = 1 << (bits - 1);
        byte[] q = new byte[codes.length];
        for (int j = 0; j < q.length; j++) {
            q[j] = (byte) (codes[j] + centre);
        }
        float[] z = new float[zeros.length];
        for (int j = 0; j < z.length; j++) {
            z[j] = zeros[j] + centre;
        }
        return new QuantizedWeight(out, in, bits, groupSize, symmetric, q, scales.clone(), z);
    }

    /** Bytes held: codes, scales, zeros, sums and the per-row zero correction. */
    public long bytes() {
        return codes.length + 4L * (scales.length + zeros.length + sums.length + zeroCorrection.length);
    }
}
