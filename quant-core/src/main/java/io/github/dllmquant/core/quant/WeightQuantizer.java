package io.github.dllmquant.core.quant;

/**
 * Settings of a weight quantization grid (see ptq-methods.md §1).
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

    /** GPTQ min/max grid without clip search. */
    public static WeightQuantizer of(int bits, int groupSize, boolean symmetric) {
        return new WeightQuantizer(bits, groupSize, symmetric, Grid.GPTQ_MINMAX, false);
    }

    /** The group size for a row of {@code in} columns. */
    public int effectiveGroupSize(int in) {
        return groupSize == -1 ? in : groupSize;
    }
}
