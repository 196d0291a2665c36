package io.github.dllmquant.methods.quarot;

import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * The signed symmetric weight grid of QuaRot ({@code quant_utils.py WeightQuantizer}) and SmoothQuant's
 * int8 weights ({@code fake_quant.py}): per row or group, {@code s = max(max|w|, 1e-5)/(2^(b−1) − 1)},
 * {@code q = clamp(rint(w/s), −2^(b−1), 2^(b−1) − 1)} (ptq-methods.md §1). Codes are stored unsigned as
 * {@code q + 2^(b−1)} with zero point {@code 2^(b−1)}, the {@link QuantizedWeight} convention.
 */
public final class SignedGrid {

    private SignedGrid() {
    }

    /**
     * Quantizes {@code w [out, in]} round-to-nearest on the signed grid.
     *
     * @param bits      2..8
     * @param groupSize columns per group, or {@code -1} per output channel
     * @param clipRatio multiplies {@code max|w|} before the scale is computed (1 = none)
     */
    public static QuantizedWeight quantize(float[] w, int out, int in, int bits, int groupSize, float clipRatio) {
        int g = groupSize == -1 ? in : groupSize;
        if (g <= 0 || in % g != 0) {
            throw new IllegalArgumentException("group size " + groupSize + " must divide in = " + in);
        }
        if (w.length != out * in) {
            throw new IllegalArgumentException("weight has " + w.length + " values, expected " + out + "x" + in);
        }
        if (!(clipRatio > 0f && clipRatio <= 1f)) {
            throw new IllegalArgumentException("clipRatio must be in (0, 1], got " + clipRatio);
        }
        int groups = in / g;
        int half = 1 << (bits - 1);
        int qmax = half - 1;
        byte[] codes = new byte[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int o = 0; o < out; o++) {
            for (int gi = 0; gi < groups; gi++) {
                int base = o * in + gi * g;
                float absmax = 0f;
                for (int i = 0; i < g; i++) {
                    absmax = Math.max(absmax, Math.abs(w[base + i]));
                }
                float s = Math.max(absmax * clipRatio, 1e-5f) / qmax;
                scales[o * groups + gi] = s;
                zeros[o * groups + gi] = half;
                for (int i = 0; i < g; i++) {
                    float q = (float) Math.rint(w[base + i] / s);
                    q = Math.max(-half, Math.min(qmax, q));
                    codes[base + i] = (byte) ((int) q + half);
                }
            }
        }
        return new QuantizedWeight(out, in, bits, g, true, codes, scales, zeros);
    }
}
