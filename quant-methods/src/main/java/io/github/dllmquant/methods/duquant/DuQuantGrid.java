package io.github.dllmquant.methods.duquant;

import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * DuQuant's (OmniQuant's) asymmetric per-output-channel weight grid with a static clip ratio {@code swc}
 * (ptq-methods.md §8.4): per row, {@code xmax = swc·max w}, {@code xmin = swc·min w},
 * {@code s = clamp((xmax − xmin)/(2^b − 1), 1e-5, 1e4)}, {@code z = rint(clamp(−xmin/s, −1e4, 1e4))},
 * {@code q = clamp(rint(w/s) + z, 0, 2^b − 1)}.
 */
public final class DuQuantGrid {

    private DuQuantGrid() {
    }

    /** Quantizes {@code w [out, in]} per output channel. */
    public static QuantizedWeight quantize(float[] w, int out, int in, int bits, float clip) {
        if (w.length != out * in) {
            throw new IllegalArgumentException("weight has " + w.length + " values, expected " + out + "x" + in);
        }
        if (!(clip > 0f && clip <= 1f)) {
            throw new IllegalArgumentException("weight clip ratio must be in (0, 1], got " + clip);
        }
        int qmax = (1 << bits) - 1;
        byte[] codes = new byte[out * in];
        float[] scales = new float[out];
        float[] zeros = new float[out];
        for (int o = 0; o < out; o++) {
            int base = o * in;
            float max = Float.NEGATIVE_INFINITY;
            float min = Float.POSITIVE_INFINITY;
            for (int i = 0; i < in; i++) {
                max = Math.max(max, w[base + i]);
                min = Math.min(min, w[base + i]);
            }
            float xmax = clip * max;
            float xmin = clip * min;
            float s = Math.min(Math.max((xmax - xmin) / qmax, 1e-5f), 1e4f);
            float z = (float) Math.rint(Math.min(Math.max(-xmin / s, -1e4f), 1e4f));
            scales[o] = s;
            zeros[o] = z;
            for (int i = 0; i < in; i++) {
                float q = (float) Math.rint(w[base + i] / s) + z;
                codes[base + i] = (byte) (int) Math.max(0f, Math.min(qmax, q));
            }
        }
        return new QuantizedWeight(out, in, bits, in, false, codes, scales, zeros);
    }
}
