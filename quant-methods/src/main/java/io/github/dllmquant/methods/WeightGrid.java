package io.github.dllmquant.methods;

import io.github.dllmquant.core.quant.WeightQuantizer;

/**
 * Scale and zero of one row segment (a group of columns) on the grids of ptq-methods.md §1, and the
 * code of a value on that grid. Shared by RTN, GPTQ and AWQ so that comparisons between them isolate
 * the method, not the grid.
 *
 * <p>All grids produce unsigned codes {@code q = clamp(rint(x/s) + z, 0, maxq)} and dequantize as
 * {@code s·(q − z)}; QuaRot's signed grid {@code [−2^(b−1), 2^(b−1)−1]} is the same with
 * {@code z = 2^(b−1)}.
 */
public final class WeightGrid {

    /** GPTQ {@code mse=True}: shrink steps {@code p = 1 − i/GRID}. */
    static final int MSE_GRID = 100;
    /** GPTQ {@code maxshrink}: 80 candidates. */
    static final double MSE_MAX_SHRINK = 0.8;
    /** GPTQ {@code norm}: error {@code Σ|Q(x) − x|^2.4}. */
    static final double MSE_NORM = 2.4;

    private WeightGrid() {
    }

    /** A group's scale and (integer-valued) zero point. */
    public record Params(float scale, float zero) {
    }

    /** The largest code {@code 2^bits − 1}. */
    public static int maxq(int bits) {
        return (1 << bits) - 1;
    }

    /** {@code clamp(rint(x/s) + z, 0, maxq)}, with {@code x/s} a true float division. */
    public static int code(float x, float scale, float zero, int maxq) {
        float q = (float) Math.rint(x / scale) + zero;
        return (int) Math.max(0f, Math.min(maxq, q));
    }

    /** {@code s·(clamp(rint(x/s) + z, 0, maxq) − z)}. */
    public static float quantize(float x, float scale, float zero, int maxq) {
        return scale * (code(x, scale, zero, maxq) - zero);
    }

    /**
     * Finds the params of {@code x[off .. off+len)} on the quantizer's grid (with the MSE clip search
     * when it asks for one).
     */
    public static Params find(float[] x, int off, int len, WeightQuantizer quantizer) {
        int maxq = maxq(quantizer.bits());
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int k = off; k < off + len; k++) {
            min = Math.min(min, x[k]);
            max = Math.max(max, x[k]);
        }
        Params p = switch (quantizer.grid()) {
            case GPTQ_MINMAX -> gptqMinMax(min, max, quantizer.symmetric(), maxq);
            case AWQ -> awq(min, max, maxq);
            case QUAROT -> quantizer.symmetric() ? quarot(min, max, quantizer.bits())
                    : gptqMinMax(min, max, false, maxq);
        };
        if (quantizer.mseClip()) {
            p = mseClip(x, off, len, min, max, quantizer, p);
        }
        return p;
    }

    /**
     * IST-DASLab/gptq {@code find_params}: the range always contains 0; symmetric moves {@code xmin} to
     * {@code −xmax} only where {@code xmin < 0} (a row without negatives keeps {@code xmin = 0}, a quirk
     * reproduced for bit-exactness); an all-zero range becomes {@code [−1, 1]}.
     */
    static Params gptqMinMax(float min, float max, boolean symmetric, int maxq) {
        float[] range = gptqRange(min, max, symmetric);
        float scale = (range[1] - range[0]) / maxq;
        float zero = symmetric ? (maxq + 1) / 2f : (float) Math.rint(-range[0] / scale);
        return new Params(scale, zero);
    }

    private static float[] gptqRange(float min, float max, boolean symmetric) {
        float xmin = Math.min(min, 0f);
        float xmax = Math.max(max, 0f);
        if (symmetric) {
            xmax = Math.max(Math.abs(xmin), xmax);
            if (xmin < 0) {
                xmin = -xmax;
            }
        }
        if (xmin == 0f && xmax == 0f) {
            xmin = -1f;
            xmax = 1f;
        }
        return new float[]{xmin, xmax};
    }

    /** llm-awq {@code pseudo_quantize_tensor} (zero point): true extremes, zero clamped to the codes. */
    static Params awq(float min, float max, int maxq) {
        float scale = Math.max(max - min, 1e-5f) / maxq;
        float zero = Math.max(0f, Math.min(maxq, -(float) Math.rint(min / scale)));
        return new Params(scale, zero);
    }

    /** QuaRot symmetric: {@code s = max(absmax, 1e-5)/(2^(b−1)−1)}, signed codes stored with zero {@code 2^(b−1)}. */
    static Params quarot(float min, float max, int bits) {
        float absmax = Math.max(Math.abs(min), Math.abs(max));
        float scale = Math.max(absmax, 1e-5f) / ((1 << (bits - 1)) - 1);
        return new Params(scale, 1 << (bits - 1));
    }

    /**
     * GPTQ {@code mse=True}: for {@code p = 1 − i/100}, {@code i < 80}, shrink the range by {@code p},
     * recompute the scale (and the zero when asymmetric; symmetric keeps its zero) and keep the params
     * with the least {@code Σ|Q(x) − x|^2.4}.
     */
    static Params mseClip(float[] x, int off, int len, float min, float max, WeightQuantizer quantizer, Params initial) {
        int maxq = maxq(quantizer.bits());
        boolean sym = quantizer.symmetric();
        float xmin;
        float xmax;
        if (quantizer.grid() == WeightQuantizer.Grid.AWQ) {
            xmin = min;
            xmax = max;
        } else if (quantizer.grid() == WeightQuantizer.Grid.QUAROT && sym) {
            xmax = Math.max(Math.abs(min), Math.abs(max));
            xmin = -xmax;
        } else {
            float[] r = gptqRange(min, max, sym);
            xmin = r[0];
            xmax = r[1];
        }
        Params best = initial;
        double bestErr = Double.POSITIVE_INFINITY;
        int steps = (int) (MSE_MAX_SHRINK * MSE_GRID);
        for (int i = 0; i < steps; i++) {
            float p = 1f - (float) i / MSE_GRID;
            float xmin1 = p * xmin;
            float xmax1 = p * xmax;
            Params candidate;
            if (quantizer.grid() == WeightQuantizer.Grid.QUAROT && sym) {
                candidate = quarot(xmin1, xmax1, quantizer.bits());
            } else if (quantizer.grid() == WeightQuantizer.Grid.AWQ) {
                candidate = awq(xmin1, xmax1, maxq);
            } else {
                float scale1 = (xmax1 - xmin1) / maxq;
                float zero1 = sym ? initial.zero() : (float) Math.rint(-xmin1 / scale1);
                candidate = new Params(scale1, zero1);
            }
            double err = 0;
            for (int k = off; k < off + len; k++) {
                err += Math.pow(Math.abs(quantize(x[k], candidate.scale(), candidate.zero(), maxq) - x[k]), MSE_NORM);
            }
            if (err < bestErr) {
                bestErr = err;
                best = candidate;
            }
        }
        return best;
    }
}
