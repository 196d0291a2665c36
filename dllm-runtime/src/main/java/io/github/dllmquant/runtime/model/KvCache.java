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
 * Only the rows whose logits are read need the last layer after its keys and values and the LM head: the pass
 * that builds the cache stops there and finishes rows when {@link #logits()} or {@link #logitsOfRows} asks for
 * them, and {@link #logits(int[], int, int, int[])} finishes only the positions asked for (the samplers read
 * the masked positions only). Every row gets the same bits whichever rows are finished with it.
 *
 * <p>The cache's contents never change after it is built: a cached pass writes its rows' fresh K/V into the
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
    /** The building pass's rows {@code [0, rows)} before the rest of the last layer, or null when {@code logits} is set. */
    private final TransformerBlock.Prepared pending;
    /** Held by every pass that reads the layers: a cached pass writes its fresh rows into them for a moment. */
    private final ReentrantLock passes = new ReentrantLock();
    /** {@code (rows, vocab)} logits of the building pass once all of them were asked for (guarded by passes). */
    private float[] logits;

    KvCache(DiffusionLm model, int length, LayerKv[] layers, TransformerBlock.Prepared pending, float[] logits) {
        this.model = model;
        this.length = length;
        this.layers = layers;
        this.pending = pending;
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
        passes.lock();
        try {
            if (logits == null) {
                logits = model.pendingLogits(pending, lastLayer(), length, TransformerBlock.allRows(builtRows()));
            }
            return logits.clone();
        } finally {
            passes.unlock();
        }
    }

    /**
     * Raw logits of only the positions {@code positions} (in that order) of the pass that built this cache: the
     * rows of {@link #logits()}, with the same bits, computing only them.
     *
     * @param builtRows rows of that pass ({@link #length()} after {@link DiffusionLm#startCache}, {@code to} after
     *                  {@link #refreshRows}), checked
     * @return {@code [positions.length, vocab]}
     * @throws IllegalArgumentException if {@code builtRows} differs or a position is outside those rows
     */
    @Override
    public float[] logitsOfRows(int builtRows, int[] positions) {
        int rows = builtRows();
        if (builtRows != rows) {
            throw new IllegalArgumentException("the pass that built this cache has " + rows + " rows, not " + builtRows);
        }
        int[] picked = positions.clone();
        for (int p : picked) {
            if (p < 0 || p >= rows) {
                throw new IllegalArgumentException("position " + p + " is outside the rows [0, " + rows
                        + ") of the pass that built the cache");
            }
        }
        passes.lock();
        try {
            if (logits != null) {
                int vocab = model.vocabSize();
                float[] out = new float[picked.length * vocab];
                for (int i = 0; i < picked.length; i++) {
                    System.arraycopy(logits, picked[i] * vocab, out, i * vocab, vocab);
                }
                return out;
            }
            return model.pendingLogits(pending, lastLayer(), length, picked);
        } finally {
            passes.unlock();
        }
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
        return rows(ids, from, to, null);
    }

    /**
     * Raw logits of the positions {@code positions} (each in {@code [from, to)}, in that order) when rows
     * {@code [from, to)} of {@code ids} are recomputed against this cache: the rows of
     * {@link #logits(int[], int, int)} at those positions, with the same bits, while the last layer after its keys
     * and values and the LM head run only for them.
     *
     * @return {@code [positions.length, vocab]}
     * @throws IllegalArgumentException as {@link #logits(int[], int, int)}, or if a position is outside the range
     */
    @Override
    public float[] logits(int[] ids, int from, int to, int[] positions) {
        return rows(ids, from, to, positions.clone());
    }

    private float[] rows(int[] ids, int from, int to, int[] positions) {
        checkLength(ids);
        if (from < 0 || to > length || from >= to) {
            throw new IllegalArgumentException("row range [" + from + ", " + to + ") is empty or outside [0, "
                    + length + ")");
        }
        passes.lock();
        try {
            return model.cachedRows(ids, from, to, layers, positions);
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
        checkLength(ids);
        if (to < 1 || to > length) {
            throw new IllegalArgumentException("refreshed rows [0, " + to + ") are empty or outside [0, " + length + ")");
        }
        LayerKv[] refreshed = new LayerKv[layers.length];
        TransformerBlock.Prepared rows;
        passes.lock();
        try {
            rows = model.refreshedRows(ids, to, layers, refreshed);
        } finally {
            passes.unlock();
        }
        return new KvCache(model, length, refreshed, rows, null);
    }

    private void checkLength(int[] ids) {
        if (ids == null || ids.length != length) {
            throw new IllegalArgumentException("the cache holds a sequence of " + length + " tokens, got "
                    + (ids == null ? "null" : ids.length));
        }
    }

    /** Rows of the pass that built this cache. */
    private int builtRows() {
        return pending != null ? pending.rows() : logits.length / model.vocabSize();
    }

    private LayerKv lastLayer() {
        return layers.length == 0 ? null : layers[layers.length - 1];
    }
}
