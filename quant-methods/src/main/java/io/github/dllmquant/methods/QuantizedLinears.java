package io.github.dllmquant.methods;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * Builds the executable layer for a quantized weight: weight-only on the F32-activation kernels, or
 * weight+activation on the integer kernels with per-token dynamic activation quantization. Every method
 * goes through here, so quantized models always run on the real kernels.
 */
public final class QuantizedLinears {

    private QuantizedLinears() {
    }

    /**
     * @param weight      the quantized weight
     * @param bias        {@code [out]} or {@code null}
     * @param activations per-token activation quantization, or {@code null} for weight-only (A16)
     * @param transform   online input transform, or {@code null}
     */
    public static Linear of(QuantizedWeight weight, float[] bias, ActivationQuantizer activations, InputTransform transform) {
        if (activations == null) {
            return WeightOnlyLinear.of(weight, bias, transform);
        }
        return ActivationQuantizedLinear.of(weight, bias, activations, transform);
    }
}
