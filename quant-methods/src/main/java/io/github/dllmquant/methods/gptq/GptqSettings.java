package io.github.dllmquant.methods.gptq;

import io.github.dllmquant.core.quant.WeightQuantizer;

/**
 * GPTQ's knobs (ptq-methods.md §4). Defaults follow IST-DASLab/gptq: damp 0.01 of the mean diagonal,
 * lazy blocks of 128 columns, dynamic groups, act-order off.
 *
 * @param weights       the grid (bits, group size, sym/asym, MSE clip)
 * @param percdamp      damping as a fraction of {@code mean(diag H)}, in (0, 1)
 * @param dampIncrement added to {@code percdamp} after each failed Cholesky while it stays below 1
 *                      (GPTQModel {@code damp_auto_increment}); then the layer falls back to RTN
 * @param blockSize     columns per lazy batch ({@code B})
 * @param actOrder      process columns by decreasing {@code diag H} ({@code desc_act})
 * @param staticGroups  compute every group's params before the sweep, from the original columns
 */
public record GptqSettings(WeightQuantizer weights, double percdamp, double dampIncrement, int blockSize,
                           boolean actOrder, boolean staticGroups) {

    /** IST-DASLab/gptq damping. */
    public static final double DEFAULT_PERCDAMP = 0.01;
    /** GPTQModel's automatic increment. */
    public static final double DEFAULT_DAMP_INCREMENT = 0.01;
    /** The reference's lazy batch. */
    public static final int DEFAULT_BLOCK_SIZE = 128;

    public GptqSettings {
        if (weights == null) {
            throw new IllegalArgumentException("weights must not be null");
        }
        if (!(percdamp > 0 && percdamp < 1)) {
            throw new IllegalArgumentException("percdamp must be in (0, 1), got " + percdamp);
        }
        if (!(dampIncrement > 0 && dampIncrement < 1)) {
            throw new IllegalArgumentException("dampIncrement must be in (0, 1), got " + dampIncrement);
        }
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be positive, got " + blockSize);
        }
    }

    /** The reference defaults for a grid. */
    public static GptqSettings of(WeightQuantizer weights) {
        return new GptqSettings(weights, DEFAULT_PERCDAMP, DEFAULT_DAMP_INCREMENT, DEFAULT_BLOCK_SIZE, false, false);
    }
}
