package io.github.dllmquant.methods.gptq;

import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * What GPTQ produced for one linear, separate from applying it to a model (so it can be saved, inspected
 * and reapplied).
 *
 * @param weight          codes, scales and zeros; columns in the original order unless
 *                        {@code columnsPermuted}
 * @param perm            processing order: position {@code p} processed original column {@code perm[p]}
 *                        (identity without act-order)
 * @param columnsPermuted true with act-order and dynamic groups: the weight's columns are in processing
 *                        order so each group stays contiguous, and the input must be gathered
 *                        {@code x'[p] = x[perm[p]]} (an online permutation) before the product
 * @param gIdx            AutoGPTQ's {@code g_idx}: original column → index of its group's scale (§4.4)
 * @param loss            {@code Σ (w − q)²/d²/2} over the layer, what toolkits log
 * @param percdamp        the damping that factorised, or NaN when the layer fell back to RTN
 * @param note            fallbacks that fired (raised damping, RTN), or empty
 */
public record GptqResult(QuantizedWeight weight, int[] perm, boolean columnsPermuted, int[] gIdx, double loss,
                         double percdamp, String note) {

    public GptqResult {
        if (perm.length != weight.in() || gIdx.length != weight.in()) {
            throw new IllegalArgumentException("perm/gIdx have " + perm.length + "/" + gIdx.length
                    + " entries, expected in = " + weight.in());
        }
    }

    /** Whether the layer fell back to round-to-nearest because no damping made the Hessian factorisable. */
    public boolean fellBackToRtn() {
        return Double.isNaN(percdamp);
    }
}
