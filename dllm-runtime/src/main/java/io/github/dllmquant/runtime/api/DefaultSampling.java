package io.github.dllmquant.runtime.api;

import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.GenerationConfig;
import io.github.dllmquant.runtime.sampling.DreamAlgorithm;
import io.github.dllmquant.runtime.sampling.DreamSampling;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.Remasking;
import io.github.dllmquant.runtime.sampling.Sampling;

/**
 * The sampler a model folder gets by default: LLaDA's for a LLaDA folder, Dream's for a Dream folder,
 * each starting from the sampler's own defaults and taking every field that the folder's
 * generation_config.json sets.
 */
public final class DefaultSampling {

    private DefaultSampling() {
    }

    /**
     * The default settings of a model.
     *
     * @throws IllegalArgumentException if generation_config.json sets an inconsistent combination
     *     (for example a gen_length not divisible by block_length), naming the file's fields
     */
    public static Sampling of(Architecture architecture, GenerationConfig g) {
        try {
            return switch (architecture) {
                case LLADA -> llada(g);
                case DREAM -> dream(g);
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("generation_config.json gives unusable " + architecture.modelType()
                    + " sampling settings: " + e.getMessage(), e);
        }
    }

    /** LLaDA settings from the LLaDA fields of generation_config.json. */
    public static LladaSampling llada(GenerationConfig g) {
        LladaSampling.Builder b = LladaSampling.builder();
        g.steps().ifPresent(b::steps);
        g.genLength().ifPresent(b::genLength);
        g.blockLength().ifPresent(b::blockLength);
        g.temperature().ifPresent(b::temperature);
        g.remasking().map(Remasking::fromName).ifPresent(b::remasking);
        g.cfgScale().ifPresent(b::cfgScale);
        return b.build();
    }

    /** Dream settings from the Dream fields of generation_config.json. */
    public static DreamSampling dream(GenerationConfig g) {
        DreamSampling.Builder b = DreamSampling.builder();
        g.steps().ifPresent(b::steps);
        g.maxNewTokens().ifPresent(b::genLength);
        g.alg().map(DreamAlgorithm::fromName).ifPresent(b::algorithm);
        g.algTemp().ifPresent(b::algTemp);
        g.temperature().ifPresent(b::temperature);
        g.topP().ifPresent(b::topP);
        g.topK().ifPresent(b::topK);
        g.eps().ifPresent(b::eps);
        return b.build();
    }
}
