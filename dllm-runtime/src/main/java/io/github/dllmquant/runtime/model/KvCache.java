package io.github.dllmquant.runtime.model;

import java.util.concurrent.locks.ReentrantLock;

/**
 * An approximate key/value cache of one sequence (dllm-runtime.md §6, Fast-dLLM): every layer's keys
 * (after RoPE, so positions stay absolute) and values of all positions, taken by one full forward in
 * {@link DiffusionLm#startCache}. {@link #logits(int[], int, int)} then recomputes only some rows, whose
 * queries attend to the cached K/V of the other positions (stale where those tokens changed since) and
 * to their own fresh K/V.
 *
 * <ul>
 *   <li>prefix cache: rows {@code [blockStart, L)}: the current block and every later position;</li>
 *   <li>dual cache: rows {@code [blockStart, blockEnd)}: only the block.</li>
 * </ul>
 * The cache's contents never change after it is built: a cached pass writes its rows' fresh K/V into the
 * cached arrays only for the duration of each layer's attention and puts the stale entries back (also when it
 * fails), which costs the fresh rows instead of a copy of the cache per pass. So the calls of one cache run one
 * at a time (they lock it; the samplers make one call at a time anyway), while distinct caches of one model
 * run concurrently; refreshing means starting a new cache. Works with every
 * {@link io.github.dllmquant.core.linear.Linear} kind: the layers simply see fewer tokens.
 */
public final class KvCache implements io.github.dllmquant.runtime.sampling.CachedLogits {

    private final DiffusionLm model;
    private final int length;
    private final LayerKv[] layers; // per layer: keys after RoPE and values, per kv head (headDim, L)
    private final float[] logits;   // (L, vocab) of the full pass that built the cache, (to, vocab) of a partial refresh
    /** Held by every pass that reads the layers: a cached pass writes its fresh rows into them for a moment. */
    private final ReentrantLock passes = new ReentrantLock();

    KvCache(DiffusionLm model, int length, LayerKv[] layers, float[] logits) {
        this.model = model;
        this.length = length;
        this.layers = layers;
        this.logits = logits;
    }

    /** Length of the cached sequence. */
    public int length() {
        return length;
    }

    /**
     * Raw logits of the pass that built this cache (a copy): {@code [L, vocab]} for {@link DiffusionLm#startCache},
     * {@code [to, vocab]} (rows {@code [0, to)}) for {@link #refreshRows}.
     */
    @Override
    public float[] logits() {
        return logits.clone();
    }

    /**
     * Raw logits of rows {@code [from, to)} (Dream: unshifted) for {@code ids}, computing only those rows.
     *
     * @param ids the current sequence, of the cached length; only rows {@code [from, to)} are read
     * @return {@code [to − from, vocab]}, row r for position {@code from + r}
     * @throws IllegalArgumentException if the length differs from the cache's or the range is empty or
     *     outside the sequence
     */
    @Override
    public float[] logits(int[] ids, int from, int to) {
        if (ids == null || ids.length != length) {
            throw new IllegalArgumentException("the cache holds a sequence of " + length + " tokens, got "
                    + (ids == null ? "null" : ids.length));
        }
        if (from < 0 || to > length || from >= to) {
            throw new IllegalArgumentException("row range [" + from + ", " + to + ") is empty or outside [0, "
                    + length + ")");
        }
        passes.lock();
        try {
            return model.cachedRows(ids, from, to, layers);
        } finally {
            passes.unlock();
        }
    }

    /**
     * A partial refresh: rows {@code [0, to)} of {@code ids} are recomputed against this cache, and the new cache
     * holds their fresh keys/values while rows {@code [to, L)} keep this cache's. Its {@link #logits()} are the
     * recomputed rows {@code [to, vocab]}. With {@code to = L} the result equals {@link DiffusionLm#startCache}
     * of {@code ids} (every position fresh). This cache is not changed.
     *
     * @throws IllegalArgumentException if the length differs from the cache's or {@code to} is outside {@code 1..L}
     */
    @Override
    public KvCache refreshRows(int[] ids, int to) {
        if (ids == null || ids.length != length) {
            throw new IllegalArgumentException("the cache holds a sequence of " + length + " tokens, got "
                    + (ids == null ? "null" : ids.length));
        }
        if (to < 1 || to > length) {
            throw new IllegalArgumentException("refreshed rows [0, " + to + ") are empty or outside [0, " + length + ")");
        }
        LayerKv[] refreshed = new LayerKv[layers.length];
        float[] rows;
        passes.lock();
        try {
            rows = model.cachedRows(ids, 0, to, layers, refreshed);
        } finally {
            passes.unlock();
        }
        return new KvCache(model, length, refreshed, rows);
    }
}
