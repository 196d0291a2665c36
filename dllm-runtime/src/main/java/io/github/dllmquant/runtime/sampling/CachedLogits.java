package io.github.dllmquant.runtime.sampling;

/**
 * An approximate KV cache of one sequence as the samplers see it: built by one full forward
 * ({@link LogitsFunction#startCache}), then able to recompute only a range of rows against the cached
 * keys and values of the other positions.
 */
public interface CachedLogits {

    /**
     * Raw logits of the pass that built the cache: {@code [L, vocab]} after {@link LogitsFunction#startCache},
     * {@code [to, vocab]} after {@link #refreshRows}.
     */
    float[] logits();

    /**
     * Raw logits {@code [to − from, vocab]} of rows {@code [from, to)} of {@code ids} (same length as the
     * cached sequence), computed against the cache.
     */
    float[] logits(int[] ids, int from, int to);

    /**
     * A partial refresh: recomputes rows {@code [0, to)} of {@code ids} against this cache and returns a new
     * cache holding their fresh keys/values (rows {@code [to, L)} keep this cache's), whose {@link #logits()}
     * are those rows. The samplers use it to refresh a dual cache inside a block ({@link CacheRefresh}):
     * the prefix and the block, whose cached entries went stale as positions were committed; the masked
     * suffix stays as the block's first pass saw it. The default has no partial refresh.
     *
     * @throws UnsupportedOperationException if this cache cannot refresh rows
     */
    default CachedLogits refreshRows(int[] ids, int to) {
        throw new UnsupportedOperationException("this cache has no partial refresh: use a model's "
                + "DiffusionLm.asLogitsFunction() or CacheRefresh.perBlock()");
    }
}
