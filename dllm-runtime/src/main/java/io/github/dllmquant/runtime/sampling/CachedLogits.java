package io.github.dllmquant.runtime.sampling;

/**
 * An approximate KV cache of one sequence as the samplers see it: built by one full forward
 * ({@link LogitsFunction#startCache}), then able to recompute only a range of rows against the cached
 * keys and values of the other positions.
 */
public interface CachedLogits {

    /** Raw logits {@code [L, vocab]} of the full forward that built the cache. */
    float[] logits();

    /**
     * Raw logits {@code [to − from, vocab]} of rows {@code [from, to)} of {@code ids} (same length as the
     * cached sequence), computed against the cache.
     */
    float[] logits(int[] ids, int from, int to);
}
