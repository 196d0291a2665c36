package io.github.dllmquant.runtime.sampling;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Settings of Dream's sampler ({@code diffusion_generate}, spec §5). Defaults are those of
 * Dream-v0-Instruct's generation config: {@code origin}, eps 1e-3, temperature 0, no top-p/top-k;
 * Dream's recommended use is temperature 0.2, top-p 0.95, {@code entropy}, steps = genLength.
 *
 * @param steps       denoising steps
 * @param genLength   new positions after the prompt ({@code max_new_tokens})
 * @param algorithm   which positions to unmask in each step
 * @param algTemp     0: the most confident positions; else sample positions from
 *                    {@code softmax(confidence / algTemp)} (not used by {@code origin})
 * @param temperature 0: greedy tokens; else tokens sampled from {@code softmax(logits / temperature)}
 * @param topP        nucleus filter in (0, 1]; 1 for none
 * @param topK        keep only the {@code topK} best logits (ties kept); empty for none
 * @param eps         last timestep, in (0, 1)
 * @param seed        seed of the random source; empty: a fresh seed per call
 */
public record DreamSampling(int steps, int genLength, DreamAlgorithm algorithm, double algTemp, double temperature,
                            double topP, OptionalInt topK, double eps, OptionalLong seed) implements Sampling {

    /** Default step count (Dream-v0-Instruct's generation config). */
    public static final int DEFAULT_STEPS = 512;
    /** Default generated length. */
    public static final int DEFAULT_GEN_LENGTH = 512;
    /** Default last timestep. */
    public static final double DEFAULT_EPS = 1e-3;

    public DreamSampling {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (genLength < 1) {
            throw new IllegalArgumentException("genLength must be at least 1, got " + genLength);
        }
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm must not be null");
        }
        if (!(algTemp >= 0) || Double.isInfinite(algTemp)) {
            throw new IllegalArgumentException("algTemp must be finite and >= 0, got " + algTemp);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (topK == null || (topK.isPresent() && topK.getAsInt() < 1)) {
            throw new IllegalArgumentException("topK must be empty or at least 1, got " + topK);
        }
        if (!(eps > 0 && eps < 1)) {
            throw new IllegalArgumentException("eps must be in (0, 1), got " + eps);
        }
        if (seed == null) {
            throw new IllegalArgumentException("seed must not be null (use OptionalLong.empty())");
        }
    }

    /**
     * Timestep {@code t_i = 1 + i·(eps − 1)/steps} for {@code i = 0..steps}, in double (the reference's
     * float32 {@code torch.linspace(1, eps, steps + 1)}).
     */
    public double timestep(int i) {
        if (i < 0 || i > steps) {
            throw new IllegalArgumentException("timestep index must be in 0.." + steps + ", got " + i);
        }
        return 1 + i * (eps - 1) / steps;
    }

    /**
     * How many of {@code masked} positions step {@code i} unmasks for the confidence algorithms:
     * {@code floor(masked·(1 − s/t))}, all of them on the last step.
     */
    public int transferCount(int i, int masked) {
        if (i == steps - 1) {
            return masked;
        }
        double t = timestep(i);
        double s = timestep(i + 1);
        return (int) Math.floor(masked * (1 - s / t));
    }

    @Override
    public Sampler newSampler(int maskTokenId) {
        return new DreamSampler(this, maskTokenId);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder().steps(steps).genLength(genLength).algorithm(algorithm).algTemp(algTemp)
                .temperature(temperature).topP(topP).eps(eps);
        b.topK = topK;
        b.seed = seed;
        return b;
    }

    /** Builder of {@link DreamSampling}; every field starts at its default. */
    public static final class Builder implements Sampling.Builder {
        private int steps = DEFAULT_STEPS;
        private int genLength = DEFAULT_GEN_LENGTH;
        private DreamAlgorithm algorithm = DreamAlgorithm.ORIGIN;
        private double algTemp = 0;
        private double temperature = 0;
        private double topP = 1;
        private OptionalInt topK = OptionalInt.empty();
        private double eps = DEFAULT_EPS;
        private OptionalLong seed = OptionalLong.empty();

        private Builder() {
        }

        /** Denoising steps (default 512). */
        public Builder steps(int steps) {
            this.steps = steps;
            return this;
        }

        /** New positions after the prompt (default 512). */
        public Builder genLength(int genLength) {
            this.genLength = genLength;
            return this;
        }

        /** Algorithm (default origin). */
        public Builder algorithm(DreamAlgorithm algorithm) {
            this.algorithm = algorithm;
            return this;
        }

        /** Position-sampling temperature (default 0). */
        public Builder algTemp(double algTemp) {
            this.algTemp = algTemp;
            return this;
        }

        /** Token temperature (default 0: greedy). */
        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Nucleus filter (default 1: none). */
        public Builder topP(double topP) {
            this.topP = topP;
            return this;
        }

        /** Top-k filter (default: none). */
        public Builder topK(int topK) {
            this.topK = OptionalInt.of(topK);
            return this;
        }

        /** No top-k filter. */
        public Builder noTopK() {
            this.topK = OptionalInt.empty();
            return this;
        }

        /** Last timestep (default 1e-3). */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Seed of the random source, so runs repeat. */
        public Builder seed(long seed) {
            this.seed = OptionalLong.of(seed);
            return this;
        }

        /** A fresh seed per call (the default). */
        public Builder randomSeed() {
            this.seed = OptionalLong.empty();
            return this;
        }

        @Override
        public DreamSampling build() {
            return new DreamSampling(steps, genLength, algorithm, algTemp, temperature, topP, topK, eps, seed);
        }
    }
}
