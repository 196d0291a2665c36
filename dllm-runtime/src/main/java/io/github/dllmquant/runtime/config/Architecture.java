package io.github.dllmquant.runtime.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The diffusion LM families this SDK runs, keyed by the {@code model_type} of config.json. */
public enum Architecture {
    /** LLaDA (OLMo-derived LLaMA block, bidirectional), {@code model_type: llada}. */
    LLADA("llada"),
    /** Dream (Qwen2 block, bidirectional, logits shifted by one), {@code model_type: Dream}. */
    DREAM("Dream");

    private final String modelType;

    Architecture(String modelType) {
        this.modelType = modelType;
    }

    /** The {@code model_type} value of config.json, spelled as the reference checkpoints spell it. */
    public String modelType() {
        return modelType;
    }

    /**
     * The architecture of a {@code model_type}. The comparison ignores case, because the reference
     * code registers "Dream" while users sometimes write "dream".
     */
    public static Optional<Architecture> fromModelType(String modelType) {
        for (Architecture a : values()) {
            if (a.modelType.equalsIgnoreCase(modelType)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** The supported {@code model_type} values, for error messages: {@code "llada, Dream"}. */
    public static String supportedModelTypes() {
        return Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", "));
    }
}
