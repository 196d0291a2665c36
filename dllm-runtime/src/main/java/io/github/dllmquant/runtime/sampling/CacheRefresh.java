package io.github.dllmquant.runtime.sampling;

import java.util.Locale;

/**
 * When an approximate KV cache ({@link CacheMode} prefix or dual) is rebuilt inside a block. Every block
 * starts with a full pass that builds the cache; before each later executed step of the block the policy
 * decides whether that step runs a full pass again (which rebuilds the cache, and the unconditional
 * pass's cache with classifier-free guidance) instead of a cached pass.
 *
 * <ul>
 *   <li>{@link PerBlock}: never inside a block (Fast-dLLM; the cache is refreshed when the next block
 *       starts).</li>
 *   <li>{@link EverySteps}: every {@code k} executed steps (dKV-Cache's refresh interval); {@code k = 1}
 *       makes every step a full pass, i.e. the sampler without cache.</li>
 *   <li>{@link AfterCommitted}: as soon as at least {@code fraction · blockLength} positions were committed
 *       since the last refresh (adaptive: the cached keys/values of the other positions were computed while
 *       those positions were still masks, so they go stale in proportion to what has been committed;
 *       parallel decoding that commits many positions at once refreshes sooner, a step that commits one
 *       position later).</li>
 * </ul>
 */
public sealed interface CacheRefresh {

    /** The fraction of {@link #standard()}. */
    double STANDARD_FRACTION = 0.5;

    /**
     * The samplers' default: {@code afterCommitted(0.5)}, a refresh once half a block was committed since the
     * last one (NOTES.md, fast-dec: on the bundled model's task families it keeps threshold + dual cache
     * within 2 points of vanilla exact match, and costs one partial refresh per block of 32 when one position
     * is committed per step).
     */
    static CacheRefresh standard() {
        return afterCommitted(STANDARD_FRACTION);
    }

    /** Only the full pass that starts each block builds the cache (Fast-dLLM's policy). */
    static CacheRefresh perBlock() {
        return PerBlock.INSTANCE;
    }

    /** A full pass every {@code k} executed steps of a block. */
    static CacheRefresh everySteps(int k) {
        return new EverySteps(k);
    }

    /** A full pass once {@code fraction} of the block length was committed since the last refresh. */
    static CacheRefresh afterCommitted(double fraction) {
        return new AfterCommitted(fraction);
    }

    /**
     * Whether the next step of a block runs a full pass that rebuilds the cache.
     *
     * @param stepsSinceRefresh     executed steps of this block since the last full pass (that pass included), >= 1
     * @param committedSinceRefresh positions the sampler committed since the last full pass (by it included)
     * @param blockLength           positions per block
     */
    boolean due(int stepsSinceRefresh, int committedSinceRefresh, int blockLength);

    /** The command-line spelling: {@code block}, {@code steps:K} or {@code committed:F}. */
    String spelling();

    /**
     * Parses {@code block}, {@code steps:K} (integer >= 1) or {@code committed:F} (F in (0, 1]), any case.
     *
     * @throws IllegalArgumentException naming the text if it is none of them
     */
    static CacheRefresh parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("block")) {
                return perBlock();
            }
            if (t.startsWith("steps:")) {
                return everySteps(Integer.parseInt(t.substring("steps:".length())));
            }
            if (t.startsWith("committed:")) {
                return afterCommitted(Double.parseDouble(t.substring("committed:".length())));
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cache refresh '" + text + "': " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("cache refresh must be block, steps:K or committed:F, got '" + text + "'");
    }

    /** Refresh only when a block starts. */
    enum PerBlock implements CacheRefresh {
        /** The only instance. */
        INSTANCE;

        @Override
        public boolean due(int stepsSinceRefresh, int committedSinceRefresh, int blockLength) {
            return false;
        }

        @Override
        public String spelling() {
            return "block";
        }
    }

    /**
     * A full pass every {@code k} executed steps.
     *
     * @param k at least 1
     */
    record EverySteps(int k) implements CacheRefresh {
        public EverySteps {
            if (k < 1) {
                throw new IllegalArgumentException("refresh interval must be at least 1 step, got " + k);
            }
        }

        @Override
        public boolean due(int stepsSinceRefresh, int committedSinceRefresh, int blockLength) {
            return stepsSinceRefresh >= k;
        }

        @Override
        public String spelling() {
            return "steps:" + k;
        }
    }

    /**
     * A full pass once at least {@code fraction · blockLength} positions were committed since the last one.
     *
     * @param fraction in (0, 1]; 1 never refreshes inside a block (the block is complete by then)
     */
    record AfterCommitted(double fraction) implements CacheRefresh {
        public AfterCommitted {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("committed fraction must be in (0, 1], got " + fraction);
            }
        }

        @Override
        public boolean due(int stepsSinceRefresh, int committedSinceRefresh, int blockLength) {
            return committedSinceRefresh >= fraction * blockLength - 1e-9; // 0.3 · 10 is 3.0000000000000004
        }

        @Override
        public String spelling() {
            return "committed:" + fraction;
        }
    }
}
