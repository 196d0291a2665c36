package io.github.dllmquant.runtime.sampling;

import java.util.OptionalLong;

/**
 * Settings of LLaDA's sampler (spec §4): the generated positions are cut into blocks of
 * {@code blockLength} filled left to right (semi-autoregressive); each block gets
 * {@code steps / (genLength / blockLength)} steps.
 *
 * @param steps       denoising steps in total, divisible by the number of blocks
 * @param genLength   positions to generate, divisible by {@code blockLength}
 * @param blockLength positions per block; {@code genLength} for one block (not semi-autoregressive)
 * @param temperature 0 for greedy; else Gumbel noise {@code exp(l) / (−log u)^τ} in double
 * @param remasking   how candidate positions are ranked
 * @param cfgScale    classifier-free guidance scale, 0 for none (else two forward passes per step)
 * @param unmaskPolicy how many ranked candidates each step unmasks ({@link UnmaskPolicy#fixed()} is
 *                    the reference schedule)
 * @param seed        seed of the random source (Gumbel noise, random remasking); empty: fresh per call
 * @param cacheMode   approximate KV caching between the steps of a block ({@link CacheMode#NONE}: exact)
 * @param cacheRefresh when a cache is rebuilt inside a block besides the block's first step (not used
 *                    without a cache)
 */
public record LladaSampling(int steps, int genLength, int blockLength, double temperature, Remasking remasking,
                            double cfgScale, UnmaskPolicy unmaskPolicy, OptionalLong seed, CacheMode cacheMode,
                            CacheRefresh cacheRefresh)
        implements Sampling {

    /** Default step count (the reference {@code generate()}). */
    public static final int DEFAULT_STEPS = 128;
    /** Default generated length (the reference {@code generate()}). */
    public static final int DEFAULT_GEN_LENGTH = 128;

    /** Settings without a KV cache (the components before {@code cacheMode} existed). */
    public LladaSampling(int steps, int genLength, int blockLength, double temperature, Remasking remasking,
                         double cfgScale, UnmaskPolicy unmaskPolicy, OptionalLong seed) {
        this(steps, genLength, blockLength, temperature, remasking, cfgScale, unmaskPolicy, seed, CacheMode.NONE);
    }

    /** Settings whose cache, if any, is refreshed by the default policy {@link CacheRefresh#standard()}. */
    public LladaSampling(int steps, int genLength, int blockLength, double temperature, Remasking remasking,
                         double cfgScale, UnmaskPolicy unmaskPolicy, OptionalLong seed, CacheMode cacheMode) {
        this(steps, genLength, blockLength, temperature, remasking, cfgScale, unmaskPolicy, seed, cacheMode,
                CacheRefresh.standard());
    }

    public LladaSampling {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (genLength < 1) {
            throw new IllegalArgumentException("genLength must be at least 1, got " + genLength);
        }
        if (blockLength < 1 || blockLength > genLength) {
            throw new IllegalArgumentException("blockLength must be in 1.." + genLength + " (genLength), got "
                    + blockLength);
        }
        if (genLength % blockLength != 0) {
            throw new IllegalArgumentException("genLength " + genLength + " is not divisible by blockLength "
                    + blockLength);
        }
        int blocks = genLength / blockLength;
        if (steps % blocks != 0) {
            throw new IllegalArgumentException("steps " + steps + " is not divisible by the number of blocks "
                    + blocks + " (genLength " + genLength + " / blockLength " + blockLength + ")");
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(cfgScale >= 0) || Double.isInfinite(cfgScale)) {
            throw new IllegalArgumentException("cfgScale must be finite and >= 0, got " + cfgScale);
        }
        if (remasking == null) {
            throw new IllegalArgumentException("remasking must not be null");
        }
        if (unmaskPolicy == null) {
            throw new IllegalArgumentException("unmaskPolicy must not be null");
        }
        if (seed == null) {
            throw new IllegalArgumentException("seed must not be null (use OptionalLong.empty())");
        }
        if (cacheMode == null) {
            throw new IllegalArgumentException("cacheMode must not be null (use CacheMode.NONE)");
        }
        if (cacheRefresh == null) {
            throw new IllegalArgumentException("cacheRefresh must not be null (use CacheRefresh.perBlock())");
        }
    }

    /** Number of semi-autoregressive blocks. */
    public int blocks() {
        return genLength / blockLength;
    }

    /** Steps per block. */
    public int stepsPerBlock() {
        return steps / blocks();
    }

    @Override
    public Sampler newSampler(int maskTokenId) {
        return new LladaSampler(this, maskTokenId);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder().steps(steps).genLength(genLength).blockLength(blockLength).temperature(temperature)
                .remasking(remasking).cfgScale(cfgScale).unmaskPolicy(unmaskPolicy).cache(cacheMode).cacheRefresh(cacheRefresh);
        b.seed = seed;
        return b;
    }

    /** Builder of {@link LladaSampling}; every field starts at its default. */
    public static final class Builder implements Sampling.Builder {
        private int steps = DEFAULT_STEPS;
        private int genLength = DEFAULT_GEN_LENGTH;
        private Integer blockLength; // null: the whole generated length, one block
        private double temperature = 0;
        private Remasking remasking = Remasking.LOW_CONFIDENCE;
        private double cfgScale = 0;
        private UnmaskPolicy unmaskPolicy = UnmaskPolicy.fixed();
        private OptionalLong seed = OptionalLong.empty();
        private CacheMode cacheMode = CacheMode.NONE;
        private CacheRefresh cacheRefresh = CacheRefresh.standard();

        private Builder() {
        }

        /** Denoising steps in total (default 128). */
        public Builder steps(int steps) {
            this.steps = steps;
            return this;
        }

        /** Positions to generate (default 128). */
        public Builder genLength(int genLength) {
            this.genLength = genLength;
            return this;
        }

        /** Positions per block (default: the whole generated length). */
        public Builder blockLength(int blockLength) {
            this.blockLength = blockLength;
            return this;
        }

        /** Back to one block spanning the whole generated length. */
        public Builder singleBlock() {
            this.blockLength = null;
            return this;
        }

        /** Gumbel temperature (default 0: greedy). */
        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Remasking (default low_confidence). */
        public Builder remasking(Remasking remasking) {
            this.remasking = remasking;
            return this;
        }

        /** Classifier-free guidance scale (default 0: none). */
        public Builder cfgScale(double cfgScale) {
            this.cfgScale = cfgScale;
            return this;
        }

        /** How many candidates each step unmasks (default: the fixed reference schedule). */
        public Builder unmaskPolicy(UnmaskPolicy unmaskPolicy) {
            this.unmaskPolicy = unmaskPolicy;
            return this;
        }

        /** Shorthand for {@code unmaskPolicy(UnmaskPolicy.threshold(threshold))}. */
        public Builder threshold(double threshold) {
            return unmaskPolicy(UnmaskPolicy.threshold(threshold));
        }

        /** Shorthand for {@code unmaskPolicy(UnmaskPolicy.factor(factor))}. */
        public Builder factor(double factor) {
            return unmaskPolicy(UnmaskPolicy.factor(factor));
        }

        /** Approximate KV caching between the steps of a block (default {@link CacheMode#NONE}: exact). */
        public Builder cache(CacheMode cacheMode) {
            this.cacheMode = cacheMode;
            return this;
        }

        /** When a cache is renewed inside a block (default {@link CacheRefresh#standard()}). */
        public Builder cacheRefresh(CacheRefresh cacheRefresh) {
            this.cacheRefresh = cacheRefresh;
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
        public LladaSampling build() {
            return new LladaSampling(steps, genLength, blockLength == null ? genLength : blockLength, temperature,
                    remasking, cfgScale, unmaskPolicy, seed, cacheMode, cacheRefresh);
        }
    }
}
