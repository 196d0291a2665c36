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
     * Raw logits of only the positions {@code positions} (in that order) of the pass that built the cache: the
     * same rows as {@link #logits()}. The samplers read only the masked positions; an implementation may compute
     * only those (a model's cache does). The default copies them out of {@link #logits()}.
     *
     * @param builtRows rows of that pass, to check (and, in the default, to split {@link #logits()} into rows):
     *                  the sequence length after {@link LogitsFunction#startCache}, {@code to} after
     *                  {@link #refreshRows refreshRows(ids, to)}
     * @return {@code [positions.length, vocab]}
     * @throws IllegalArgumentException if a position is outside {@code [0, builtRows)} or the pass had another
     *     number of rows
     */
    default float[] logitsOfRows(int builtRows, int[] positions) {
        float[] all = logits();
        if (builtRows < 1 || all.length % builtRows != 0) {
            throw new IllegalArgumentException(all.length + " logits do not split into " + builtRows + " rows");
        }
        return pick(all, all.length / builtRows, 0, builtRows, positions);
    }

    /**
     * Raw logits of the positions {@code positions} (each in {@code [from, to)}, in that order) when rows
     * {@code [from, to)} of {@code ids} are recomputed against the cache: the same rows as
     * {@link #logits(int[], int, int)}; an implementation may compute only those (a model's cache does). The
     * default copies them out of {@link #logits(int[], int, int)}.
     *
     * @return {@code [positions.length, vocab]}
     * @throws IllegalArgumentException if a position is outside {@code [from, to)}
     */
    default float[] logits(int[] ids, int from, int to, int[] positions) {
        float[] all = logits(ids, from, to);
        return pick(all, all.length / (to - from), from, to, positions);
    }

    /** Rows {@code positions[i] − from} of the row-major {@code (to − from, vocab)} {@code rows}, in order. */
    private static float[] pick(float[] rows, int vocab, int from, int to, int[] positions) {
        float[] out = new float[positions.length * vocab];
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] < from || positions[i] >= to) {
                throw new IllegalArgumentException("position " + positions[i] + " is outside the rows [" + from
                        + ", " + to + ")");
            }
            System.arraycopy(rows, (positions[i] - from) * vocab, out, i * vocab, vocab);
        }
        return out;
    }

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
