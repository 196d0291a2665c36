package io.github.dllmquant.runtime.sampling;

import java.util.OptionalLong;

/**
 * Settings of one generation: either {@link LladaSampling} (LLaDA's semi-autoregressive low-confidence
 * or random remasking) or {@link DreamSampling} (Dream's {@code diffusion_generate}). Immutable values;
 * derive variants with their {@code toBuilder()}.
 *
 * <pre>{@code
 * Sampling greedy = Sampling.llada().steps(8).genLength(8).build();
 * Sampling creative = Sampling.dream().genLength(64).steps(64).algorithm(DreamAlgorithm.ENTROPY)
 *         .temperature(0.2).topP(0.95).seed(42).build();
 * }</pre>
 */
public sealed interface Sampling permits LladaSampling, DreamSampling {

    /** Positions generated after the prompt. */
    int genLength();

    /** Denoising steps (for LLaDA with a confidence policy: the schedule used only by the fixed policy). */
    int steps();

    /** The seed of the random source; empty means a fresh seed per call (reported in the output). */
    OptionalLong seed();

    /** A sampler with these settings for a model whose mask token is {@code maskTokenId}. */
    Sampler newSampler(int maskTokenId);

    /** A builder of LLaDA settings with the defaults of {@link LladaSampling}. */
    static LladaSampling.Builder llada() {
        return LladaSampling.builder();
    }

    /** LLaDA settings with low-confidence remasking (the default remasking). */
    static LladaSampling.Builder lowConfidence() {
        return LladaSampling.builder().remasking(Remasking.LOW_CONFIDENCE);
    }

    /** A builder of Dream settings with the defaults of {@link DreamSampling}. */
    static DreamSampling.Builder dream() {
        return DreamSampling.builder();
    }

    /** Anything that builds a {@link Sampling}, so APIs can take a builder directly. */
    interface Builder {
        /** Validates and builds the settings. */
        Sampling build();
    }
}
