package io.github.dllmquant.runtime.model;

/** The on-disk forms a model can be saved in. */
public enum SaveFormat {
    /**
     * The SDK's own: every layer kind (dense, weight-only, activation-quantized, online transforms) in
     * model.safetensors plus quantization_config.json.
     */
    NATIVE,
    /**
     * The GPTQ checkpoint layout other tools read (AutoGPTQ names, quantize_config.json): dense and
     * weight-only layers only, one bit width, group size and symmetry for the whole model.
     */
    GPTQ
}
