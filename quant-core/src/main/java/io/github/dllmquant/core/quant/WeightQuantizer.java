package io.github.dllmquant.core.quant;

import io.github.dllmquant.core.concurrent.Parallel;

/**
 * A weight quantization grid (ptq-methods.md §1): settings plus the quantizer itself.
 *
 * <p>Every grid produces unsigned codes {@code q = clamp(rint(x/s) + z, 0, 2^b − 1)} and dequantizes as
 * {@code s·(q − z)}, so one {@link QuantizedWeight} form covers all of them:
 * <pre>
 *   grid         sym  scale s                                zero z
 *   GPTQ_MINMAX  yes  (xmax − xmin)/maxq, xmin = −xmax        2^(b−1)   (xmin stays 0 in a row without
 *                                                                        negatives: the reference quirk)
 *   GPTQ_MINMAX  no   (xmax − xmin)/maxq, range contains 0    rint(−xmin/s)
 *   AWQ          no   max(max − min, 1e-5)/maxq (true extremes) clamp(−rint(min/s), 0, maxq)
 *   AWQ, QUAROT  yes  max(absmax, 1e-5)/(2^(b−1) − 1)         2^(b−1)   (signed codes + 2^(b−1))
 *   QUAROT       no   as GPTQ_MINMAX asymmetric
 * </pre>
 * GPTQ's all-zero range becomes {@code [−1, +1]}; the AWQ and QuaRot clamps keep an all-zero group
 * finite, so no grid divides by zero. With {@link #mseClip()} each row segment also tries the shrunk
 * ranges {@code p·[lo, hi]}, {@code p = 1 − i/}{@value #MSE_GRID}, {@code i < }{@value #MSE_MAX_SHRINK}{@code ·}{@value #MSE_GRID},
 * keeping the one with the least {@code Σ|s·(q − z) − x|^}{@value #MSE_NORM} (symmetric grids keep their zero).
 *
 * @param bits      2..8
 * @param groupSize columns per group, or {@code -1} for one group per output channel
 * @param symmetric symmetric grid (GPTQ min/max: zero {@code 2^(bits−1)}) or asymmetric
 * @param grid      which toolkit's formulas compute scale and zero
 * @param mseClip   search a per-row shrink of the range minimising {@code Σ|Q(x) − x|^2.4} (GPTQ {@code mse=True})
 */
public record WeightQuantizer(int bits, int groupSize, boolean symmetric, Grid grid, boolean mseClip) {

    /** The scale/zero formulas of the reference toolkits. */
    public enum Grid {
        /** IST-DASLab/gptq {@code find_params}: the range always contains 0. Default. */
        GPTQ_MINMAX,
        /** llm-awq {@code pseudo_quantize_tensor}: true extremes, zero clamped to the code range. */
        AWQ,
        /** QuaRot: signed {@code max/(2^(b−1)−1)}, codes in {@code [−2^(b−1), 2^(b−1)−1]}. */
        QUAROT
    }

    public WeightQuantizer {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("weight bits must be in 2..8, got " + bits);
        }
        if (groupSize != -1 && groupSize <= 0) {
            throw new IllegalArgumentException("groupSize must be positive or -1 (per channel), got " + groupSize);
        }
        if (grid == null) {
            throw new IllegalArgumentException("grid must not be null");
        }
    }

    /** MSE clip search: shrink steps {@code p = 1 − i/MSE_GRID} (IST-DASLab/gptq {@code grid}). */
    public static final int MSE_GRID = 100;
    /** MSE clip search: {@code maxshrink}, giving {@code 0.8·100 = 80} candidates. */
    public static final float MSE_MAX_SHRINK = 0.8f;
    /** MSE clip search: the error norm {@code Σ|Q(x) − x|^2.4}. */
    public static final float MSE_NORM = 2.4f;

    /** Elements of one {@link #params} call above which the MSE search runs rows in parallel. */
    private static final long PARALLEL_MIN_WORK = 1 << 14;

    /** GPTQ min/max grid without clip search. */
    public static WeightQuantizer of(int bits, int groupSize, boolean symmetric) {
        return new WeightQuantizer(bits, groupSize, symmetric, Grid.GPTQ_MINMAX, false);
    }

    /** The group size for a row of {@code in} columns. */
    public int effectiveGroupSize(int in) {
        return groupSize == -1 ? in : groupSize;
    }

    /** A copy of these settings with a different grid. */
    public WeightQuantizer withGrid(Grid newGrid) {
        return new WeightQuantizer(bits, groupSize, symmetric, newGrid, mseClip);
    }

    /** A copy of these settings with the MSE clip search switched on or off. */
    public WeightQuantizer withMseClip(boolean on) {
        return new WeightQuantizer(bits, groupSize, symmetric, grid, on);
    }

    /** The largest code, {@code 2^bits − 1}. */
    public int maxq() {
        return (1 << bits) - 1;
    }

    /**
     * The code of {@code x}: {@code clamp(rint(x/scale) + zero, 0, maxq)}, with {@code x/scale} a true
     * float division and {@code rint} rounding half to even (as {@code torch.round}).
     */
    public static int code(float x, float scale, float zero, int maxq) {
        float q = (float) Math.rint(x / scale) + zero;
        return (int) Math.max(0f, Math.min((float) maxq, q));
    }

    /** The dequantized value of {@code code}: {@code scale·(code − zero)}. */
    public static float dequantize(int code, float scale, float zero) {
        return scale * (code - zero);
    }

    /** {@code x} rounded onto the grid: {@code dequantize(code(x, scale, zero, maxq), scale, zero)}. */
    public static float fakeQuantize(float x, float scale, float zero, int maxq) {
        return scale * (code(x, scale, zero, maxq) - zero);
    }

    /**
     * Scale and zero per row of {@code w [out, in]} over columns {@code [col0, col0 + cols)} (one group),
     * including the MSE clip search when enabled. GPTQ calls this on its partly updated weights at each
     * group start.
     *
     * @throws IllegalArgumentException on bad shapes or a NaN/Inf value (naming its row and column)
     */
    public GroupParams params(float[] w, int out, int in, int col0, int cols) {
        checkShape(w, out, in);
        if (col0 < 0 || cols <= 0 || col0 + cols > in) {
            throw new IllegalArgumentException("column range [" + col0 + ", " + (col0 + cols) + ") is not inside [0, " + in + ")");
        }
        float[] scales = new float[out];
        float[] zeros = new float[out];
        if (mseClip && (long) out * cols >= PARALLEL_MIN_WORK) {
            // rows are independent: the clip search (80 candidates per row) runs on the shared pool
            int chunk = Math.max(1, out / (4 * Parallel.parallelism()));
            Parallel.forChunks(out, chunk, (from, to) -> rowParams(w, in, col0, cols, from, to, scales, zeros));
        } else {
            rowParams(w, in, col0, cols, 0, out, scales, zeros);
        }
        return new GroupParams(scales, zeros);
    }

    private void rowParams(float[] w, int in, int col0, int cols, int rowFrom, int rowTo, float[] scales, float[] zeros) {
        float[] sz = new float[2];
        int maxq = maxq();
        for (int o = rowFrom; o < rowTo; o++) {
            int base = o * in + col0;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < cols; k++) {
                float x = w[base + k];
                if (!Float.isFinite(x)) {
                    throw new IllegalArgumentException("weight is " + x + " at row " + o + ", column " + (col0 + k));
                }
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            Grids.Range r = Grids.range(this, min, max);
            Grids.fit(this, r, sz);
            if (!Float.isFinite(sz[0])) {
                throw new IllegalArgumentException("row " + o + ", columns [" + col0 + ", " + (col0 + cols)
                        + "): range [" + min + ", " + max + "] overflows the scale");
            }
            if (mseClip) {
                mseSearch(w, base, cols, r, sz, maxq);
            }
            scales[o] = sz[0];
            zeros[o] = sz[1];
        }
    }

    // GPTQ mse=True: keep the shrink p·[lo, hi] with the least Σ|Q(x) − x|^norm (fp32, as the reference)
    private void mseSearch(float[] w, int base, int cols, Grids.Range r, float[] sz, int maxq) {
        float symZero = sz[1];
        float best = Float.POSITIVE_INFINITY;
        float[] candidate = new float[2];
        int steps = (int) ((double) MSE_MAX_SHRINK * MSE_GRID + 1e-9);
        for (int i = 0; i < steps; i++) {
            float p = (float) (1.0 - (double) i / MSE_GRID);
            Grids.fit(this, new Grids.Range(p * r.lo(), p * r.hi()), candidate);
            if (symmetric) {
                candidate[1] = symZero;
            }
            float err = 0f;
            for (int k = 0; k < cols; k++) {
                float x = w[base + k];
                float d = Math.abs(fakeQuantize(x, candidate[0], candidate[1], maxq) - x);
                err += (float) Math.pow(d, MSE_NORM);
                if (err >= best) {
                    break; // the sum only grows: this candidate cannot win (same choice, less work)
                }
            }
            if (err < best) {
                best = err;
                sz[0] = candidate[0];
                sz[1] = candidate[1];
            }
        }
    }

    /**
     * Quantizes {@code w [out, in]} row-major on this grid, per group of {@link #effectiveGroupSize}
     * columns (round to nearest even, no error feedback: RTN).
     *
     * @throws IllegalArgumentException if the group size does not divide {@code in}, or on NaN/Inf
     *                                  (naming the row and column)
     */
    public QuantizedWeight quantize(float[] w, int out, int in) {
        checkShape(w, out, in);
        int g = effectiveGroupSize(in);
        if (in % g != 0) {
            throw new IllegalArgumentException("group size " + g + " does not divide in = " + in);
        }
        int groups = in / g;
        byte[] codes = new byte[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        int maxq = maxq();
        for (int gi = 0; gi < groups; gi++) {
            GroupParams p = params(w, out, in, gi * g, g);
            for (int o = 0; o < out; o++) {
                float s = p.scale(o);
                float z = p.zero(o);
                scales[o * groups + gi] = s;
                zeros[o * groups + gi] = z;
                int base = o * in + gi * g;
                for (int k = 0; k < g; k++) {
                    codes[base + k] = (byte) code(w[base + k], s, z, maxq);
                }
            }
        }
        return new QuantizedWeight(out, in, bits, g, symmetric, codes, scales, zeros);
    }

    private static void checkShape(float[] w, int out, int in) {
        if (out <= 0 || in <= 0) {
            throw new IllegalArgumentException("out and in must be positive: out=" + out + ", in=" + in);
        }
        if (w.length != (long) out * in) {
            throw new IllegalArgumentException("weight has " + w.length + " values, expected out*in = "
                    + out + "*" + in + " = " + (long) out * in);
        }
    }
}
