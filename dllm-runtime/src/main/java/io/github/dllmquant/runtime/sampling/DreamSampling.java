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
 * @param blockLength positions per semi-autoregressive block (Fast-dLLM's Dream decoding): each block gets
 *                    {@code steps / blocks} steps with its own timestep schedule, and only masked positions
 *                    before the block's end are candidates; {@code genLength} (the default) is the reference
 *                    sampler without blocks
 * @param cacheMode   approximate KV caching between the steps of a block ({@link CacheMode#NONE}: exact). The
 *                    block's first step is a full pass that refreshes the cache; later steps recompute the row
 *                    before the block (whose shifted logits predict the block's first position) and the block
 *                    (dual) or everything from there on (prefix)
 * @param cacheRefresh when a cache is rebuilt inside a block besides the block's first executed step (not used
 *                    without a cache)
 */
public record DreamSampling(int steps, int genLength, DreamAlgorithm algorithm, double algTemp, double temperature,
                            double topP, OptionalInt topK, double eps, OptionalLong seed, int blockLength,
                            CacheMode cacheMode, CacheRefresh cacheRefresh) implements Sampling {

    /** Default step count (Dream-v0-Instruct's generation config). */
    public static final int DEFAULT_STEPS = 512;
    /** Default generated length. */
    public static final int DEFAULT_GEN_LENGTH = 512;
    /** Default last timestep. */
    public static final double DEFAULT_EPS = 1e-3;

    /** The reference sampler's settings: no blocks, no cache. */
    public DreamSampling(int steps, int genLength, DreamAlgorithm algorithm, double algTemp, double temperature,
                         double topP, OptionalInt topK, double eps, OptionalLong seed) {
        this(steps, genLength, algorithm, algTemp, temperature, topP, topK, eps, seed, genLength, CacheMode.NONE);
    }

    /** Settings whose cache, if any, is refreshed by the default policy {@link CacheRefresh#standard()}. */
    public DreamSampling(int steps, int genLength, DreamAlgorithm algorithm, double algTemp, double temperature,
                         double topP, OptionalInt topK, double eps, OptionalLong seed, int blockLength,
                         CacheMode cacheMode) {
        this(steps, genLength, algorithm, algTemp, temperature, topP, topK, eps, seed, blockLength, cacheMode,
                CacheRefresh.standard());
    }

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
        if (blockLength < 1 || blockLength > genLength || genLength % blockLength != 0) {
            throw new IllegalArgumentException("blockLength must be in 1.." + genLength + " and divide genLength "
                    + genLength + ", got " + blockLength);
        }
        if (steps % (genLength / blockLength) != 0) {
            throw new IllegalArgumentException("steps " + steps + " is not divisible by the number of blocks "
                    + genLength / blockLength + " (genLength " + genLength + " / blockLength " + blockLength + ")");
        }
        if (cacheMode == null) {
            throw new IllegalArgumentException("cacheMode must not be null (use CacheMode.NONE)");
        }
        if (cacheRefresh == null) {
            throw new IllegalArgumentException("cacheRefresh must not be null (use CacheRefresh.perBlock())");
        }
    }

    /** Number of semi-autoregressive blocks (1 for the reference sampler). */
    public int blocks() {
        return genLength / blockLength;
    }

    /** Steps per block ({@code steps} for the reference sampler). */
    public int stepsPerBlock() {
        return steps / blocks();
    }

    /**
     * Timestep {@code t_i = 1 + i·(eps − 1)/n} for {@code i = 0..n}, {@code n} = {@link #stepsPerBlock()}
     * (every block runs this schedule; without blocks {@code n = steps}), in double (the reference's
     * float32 {@code torch.linspace(1, eps, steps + 1)}).
     */
    public double timestep(int i) {
        int n = stepsPerBlock();
        if (i < 0 || i > n) {
            throw new IllegalArgumentException("timestep index must be in 0.." + n + ", got " + i);
        }
        return 1 + i * (eps - 1) / n;
    }

    /**
     * How many of {@code masked} positions step {@code i} (of a block) unmasks for the confidence
     * algorithms: {@code floor(masked·(1 − s/t))}, all of them on the block's last step.
     */
    public int transferCount(int i, int masked) {
        if (i == stepsPerBlock() - 1) {
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
                .temperature(temperature).topP(topP).eps(eps).cache(cacheMode).cacheRefresh(cacheRefresh);
        b.blockLength = blockLength == genLength ? null : blockLength;
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
        private Integer blockLength; // null: the whole generated length (no blocks)
        private CacheMode cacheMode = CacheMode.NONE;
        private CacheRefresh cacheRefresh = CacheRefresh.standard();

        private Builder() {
        }

        /** Positions per semi-autoregressive block (default: the whole generated length, no blocks). */
        public Builder blockLength(int blockLength) {
            this.blockLength = blockLength;
            return this;
        }

        /** Back to no blocks (the reference sampler). */
        public Builder singleBlock() {
            this.blockLength = null;
            return this;
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
            return new DreamSampling(steps, genLength, algorithm, algTemp, temperature, topP, topK, eps, seed,
                    blockLength == null ? genLength : blockLength, cacheMode, cacheRefresh);
        }
    }
}
