package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.ElementwiseKernels;
import io.github.dllmquant.core.kernels.KernelProvider;

import java.util.Arrays;

/**
 * Multi-head scaled dot-product attention without a causal mask (every query attends to every key),
 * with grouped-query sharing: query head {@code h} reads key/value head {@code h / (heads/kvHeads)}.
 *
 * <p>Keys and values are read per key/value head in a transposed layout {@code (headDim, keys)}
 * ({@link #transposeHeads}), so that a query's scores are {@code headDim} vector updates along the keys
 * and its output {@code headDim} dot products along the keys, instead of one short call per key (which
 * dominated at small head sizes). The same transposed arrays are what an approximate KV cache keeps
 * (dllm-runtime.md §6): {@link #attend} then takes the fresh K/V of the recomputed rows separately and
 * uses them in place of the cached (stale) entries without copying the cache (written into the cache's arrays
 * for the duration of the call with the stale entries put back after it, or scored separately). Keys are
 * expected after RoPE. Query heads run in parallel; each writes its own columns of {@code out}.
 */
final class Attention {

    private Attention() {
    }

    /**
     * Per key/value head, the transposed rows of {@code src}: {@code result[g][d·rows + s] = src[s, g·headDim + d]}.
     *
     * @param src {@code (rows, kvHeads·headDim)}
     * @return {@code [kvHeads][(headDim, rows)]}
     */
    static float[][] transposeHeads(float[] src, int rows, int kvHeads, int headDim) {
        int width = kvHeads * headDim;
        float[][] heads = new float[kvHeads][headDim * rows];
        Parallel.forRange(kvHeads, g -> {
            float[] dst = heads[g];
            int off = g * headDim;
            for (int s = 0; s < rows; s++) {
                int row = s * width + off;
                for (int d = 0; d < headDim; d++) {
                    dst[d * rows + s] = src[row + d];
                }
            }
        });
        return heads;
    }

    /**
     * Attention of {@code queries} rows over {@code keys} rows given row-major: {@code k}, {@code v}
     * {@code [keys, kvHeads·headDim]} (keys after RoPE); {@code out} {@code [queries, heads·headDim]}.
     */
    static void attend(float[] q, int queries, float[] k, float[] v, int keys, int heads, int kvHeads, int headDim,
                       float[] out) {
        attend(q, queries, transposeHeads(k, keys, kvHeads, headDim), transposeHeads(v, keys, kvHeads, headDim), keys,
                heads, kvHeads, headDim, out);
    }

    /**
     * {@code out[t, h] = softmax(q[t, h]·k[:, g(h)]ᵀ / sqrt(headDim)) · v[:, g(h)]} over all {@code keys}
     * positions: the full forwards' attention (a cache's passes with fresh rows use {@link #attendRows}). On the
     * Panama kernels one query per vector lane ({@link LaneAttention}, the same bits as {@link #perQuery}).
     *
     * @param q   {@code [queries, heads·headDim]}
     * @param kT  per kv head {@code (headDim, keys)} keys after RoPE ({@link #transposeHeads})
     * @param vT  per kv head {@code (headDim, keys)} values
     * @param out {@code [queries, heads·headDim]}, overwritten
     */
    static void attend(float[] q, int queries, float[][] kT, float[][] vT, int keys, int heads, int kvHeads,
                       int headDim, float[] out) {
        if (KernelProvider.panama()) {
            LaneAttention.attend(q, queries, kT, vT, keys, heads, kvHeads, headDim, out);
        } else {
            perQuery(q, queries, kT, vT, keys, null, null, 0, 0, heads, kvHeads, headDim, out);
        }
    }

    /**
     * Attention for the passes of an approximate KV cache (some rows against the keys of the whole sequence), where
     * positions {@code from..from+freshRows−1} take their key and value from {@code freshK}/{@code freshV}
     * ({@code [freshRows, kvHeads·headDim]}, or null when none) instead of {@code kT}/{@code vT}: on the Panama
     * kernels through {@link RowAttention} (vectorised along the keys), with the fresh rows written into
     * {@code kT}/{@code vT} for the call and the stale entries put back when it returns (also on an exception), so
     * the caller must have them to itself for the call ({@link KvCache} serialises its passes); else the reference
     * loop. Its bits differ from {@code attend}'s (the full forwards'),
     * and a row's bits do not depend on which other rows are computed.
     */
    static void attendRows(float[] q, int queries, float[][] kT, float[][] vT, int keys, float[] freshK, float[] freshV,
                           int from, int freshRows, int heads, int kvHeads, int headDim, float[] out) {
        if (!KernelProvider.panama()) {
            perQuery(q, queries, kT, vT, keys, freshK, freshV, from, freshRows, heads, kvHeads, headDim, out);
            return;
        }
        float[][] stale = freshRows == 0 ? null
                : swapRows(kT, vT, freshK, freshV, from, freshRows, keys, kvHeads, headDim, null);
        try {
            RowAttention.attend(q, queries, kT, vT, keys, heads, kvHeads, headDim, out);
        } finally {
            if (stale != null) {
                swapRows(kT, vT, null, null, from, freshRows, keys, kvHeads, headDim, stale);
            }
        }
    }

    /**
     * The reference loop of {@link #attend}: one query row at a time through the element-wise kernels
     * ({@link LaneAttention} reproduces its bits on the Panama kernels when there are no fresh rows).
     */
    static void perQuery(float[] q, int queries, float[][] kT, float[][] vT, int keys, float[] freshK, float[] freshV,
                         int from, int freshRows, int heads, int kvHeads, int headDim, float[] out) {
        int group = heads / kvHeads;
        int qWidth = heads * headDim;
        int kvWidth = kvHeads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        ElementwiseKernels ops = KernelProvider.elementwise(); // vectorised; the caller checked the shapes
        Parallel.forRange(heads, h -> {
            int g = h / group;
            float[] kh = kT[g];
            float[] vh = vT[g];
            int freshOffset = g * headDim;
            float[] att = new float[keys];     // (keys) scores, then weights, of one query row
            float[] freshWeights = new float[freshRows];
            float[] acc = new float[headDim];
            float[] qh = new float[headDim];
            for (int t = 0; t < queries; t++) {
                System.arraycopy(q, t * qWidth + h * headDim, qh, 0, headDim);
                // scores q·kᵀ along the keys: one update per head dimension
                Arrays.fill(att, 0f);
                for (int d = 0; d < headDim; d++) {
                    ops.axpy(qh[d], kh, d * keys, att, 0, keys);
                }
                for (int r = 0; r < freshRows; r++) {
                    att[from + r] = ops.dot(qh, 0, freshK, r * kvWidth + freshOffset, headDim);
                }
                ops.scale(att, 0, keys, scale);
                // softmax over all keys (bidirectional: no mask)
                ops.softmax(att, 0, keys);
                // weighted sum of the values: cached ones along the keys, fresh ones added row by row
                for (int r = 0; r < freshRows; r++) {
                    freshWeights[r] = att[from + r];
                    att[from + r] = 0f;
                }
                for (int d = 0; d < headDim; d++) {
                    acc[d] = ops.dot(att, 0, vh, d * keys, keys);
                }
                for (int r = 0; r < freshRows; r++) {
                    ops.axpy(freshWeights[r], freshV, r * kvWidth + freshOffset, acc, 0, headDim);
                }
                System.arraycopy(acc, 0, out, t * qWidth + h * headDim, headDim);
            }
        });
    }

    /**
     * Writes positions {@code from..from+rows−1} of the per-head transposed {@code kT}/{@code vT}: from the row-major
     * {@code freshK}/{@code freshV} when {@code saved} is null, returning the entries they replaced
     * ({@code [2·kvHeads][headDim·rows]}, keys then values); else back from {@code saved} (returns null).
     */
    private static float[][] swapRows(float[][] kT, float[][] vT, float[] freshK, float[] freshV, int from, int rows,
                                      int keys, int kvHeads, int headDim, float[][] saved) {
        int width = kvHeads * headDim;
        float[][] replaced = saved == null ? new float[2 * kvHeads][headDim * rows] : null;
        for (int part = 0; part < 2; part++) {
            float[][] heads = part == 0 ? kT : vT;
            float[] fresh = part == 0 ? freshK : freshV;
            for (int g = 0; g < kvHeads; g++) {
                float[] h = heads[g];
                if (saved != null) {
                    float[] back = saved[part * kvHeads + g];
                    for (int d = 0; d < headDim; d++) {
                        System.arraycopy(back, d * rows, h, d * keys + from, rows);
                    }
                    continue;
                }
                float[] keep = replaced[part * kvHeads + g];
                for (int d = 0; d < headDim; d++) {
                    System.arraycopy(h, d * keys + from, keep, d * rows, rows);
                }
                for (int r = 0; r < rows; r++) {
                    int row = r * width + g * headDim;
                    for (int d = 0; d < headDim; d++) {
                        h[d * keys + from + r] = fresh[row + d];
                    }
                }
            }
        }
        return replaced;
    }

    /** Copies of the per-head transposed {@code cached} with positions {@code from..} taken from {@code fresh}. */
    static float[][] merge(float[][] cached, float[] fresh, int from, int freshRows, int keys, int kvHeads,
                                   int headDim) {
        int width = kvHeads * headDim;
        float[][] merged = new float[kvHeads][];
        Parallel.forRange(kvHeads, g -> {
            float[] m = cached[g].clone();
            for (int r = 0; r < freshRows; r++) {
                int row = r * width + g * headDim;
                for (int d = 0; d < headDim; d++) {
                    m[d * keys + from + r] = fresh[row + d];
                }
            }
            merged[g] = m;
        });
        return merged;
    }
}
