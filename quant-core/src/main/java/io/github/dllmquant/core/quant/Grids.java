package io.github.dllmquant.core.quant;

/**
 * The scale/zero formulas of ptq-methods.md §1, on one row segment. Every grid is expressed in the
 * unsigned form {@code q = clamp(rint(x/s) + z, 0, 2^b − 1)}, {@code ŵ = s·(q − z)}; signed grids use
 * {@code z = 2^(b−1)}.
 */
final class Grids {

    private Grids() {
    }

    /** A range {@code [lo, hi]} a grid derives its scale (and zero) from. */
    record Range(float lo, float hi) {
    }

    /** The range the grid starts from, given the true extremes of the segment. */
    static Range range(WeightQuantizer q, float min, float max) {
        return switch (q.grid()) {
            case GPTQ_MINMAX -> gptqRange(min, max, q.symmetric());
            case QUAROT -> q.symmetric() ? absmaxRange(min, max) : gptqRange(min, max, false);
            case AWQ -> q.symmetric() ? absmaxRange(min, max) : new Range(min, max);
        };
    }

    /**
     * IST-DASLab/gptq {@code find_params}: the range always contains 0; symmetric sets
     * {@code xmax = max(|xmin|, xmax)} and moves {@code xmin} to {@code −xmax} only where
     * {@code xmin < 0} (a segment without negatives keeps {@code xmin = 0}: the reference's quirk);
     * an all-zero range becomes {@code [−1, +1]}.
     */
    private static Range gptqRange(float min, float max, boolean symmetric) {
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
        return new Range(xmin, xmax);
    }

    /** QuaRot / llm-awq symmetric: {@code hi = max(absmax, 1e-5)} (the clamp keeps an all-zero group finite). */
    private static Range absmaxRange(float min, float max) {
        float absmax = Math.max(Math.abs(Math.min(min, 0f)), Math.max(max, 0f));
        float hi = Math.max(absmax, 1e-5f);
        return new Range(-hi, hi);
    }

    /**
     * Scale and zero for {@code r} (possibly shrunk by the MSE search); writes {@code out[0] = scale},
     * {@code out[1] = zero}.
     */
    static void fit(WeightQuantizer q, Range r, float[] out) {
        int maxq = (1 << q.bits()) - 1;
        int half = 1 << (q.bits() - 1);
        float scale;
        float zero;
        if (q.symmetric() && q.grid() != WeightQuantizer.Grid.GPTQ_MINMAX) {
            // signed codes [−2^(b−1), 2^(b−1) − 1] with s = max/(2^(b−1) − 1), stored as code + 2^(b−1)
            scale = r.hi() / (half - 1);
            zero = half;
        } else if (q.grid() == WeightQuantizer.Grid.AWQ) {
            scale = Math.max(r.hi() - r.lo(), 1e-5f) / maxq;
            zero = Math.max(0f, Math.min(maxq, -(float) Math.rint(r.lo() / scale)));
        } else {
            scale = (r.hi() - r.lo()) / maxq;
            // (maxq + 1)/2 = 2^(b−1) for symmetric; the range contains 0, so no clamp is needed
            zero = q.symmetric() ? half : (float) Math.rint(-r.lo() / scale);
        }
        if (scale == 0f && r.hi() > r.lo()) {
            // a range of subnormals underflows the scale: use the all-zero fallback [−1, +1] instead of dividing by 0
            fit(q, new Range(-1f, 1f), out);
            return;
        }
        out[0] = scale;
        out[1] = zero + 0f; // no −0 zero points
    }
}
