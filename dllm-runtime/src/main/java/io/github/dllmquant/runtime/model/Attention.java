package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.ElementwiseKernels;
import io.github.dllmquant.core.kernels.KernelProvider;

/**
 * Multi-head scaled dot-product attention without a causal mask (every query attends to every key),
 * with grouped-query sharing: query head {@code h} reads key/value head {@code h / (heads/kvHeads)}.
 *
 * <p>Queries and keys are separate arrays with their own row counts so that a later approximate
 * KV cache (dllm-runtime.md §6) can pass only the query rows it recomputes together with K/V rows
 * of every position (fresh for the recomputed ones, cached for the rest). Keys are expected after
 * RoPE. Heads run in parallel; each writes its own columns of {@code out}.
 */
final class Attention {

    private Attention() {
    }

    /**
     * {@code out[t, h] = softmax(q[t, h]·k[:, g(h)]ᵀ / sqrt(headDim)) · v[:, g(h)]}.
     *
     * @param q       {@code [queries, heads·headDim]}
     * @param queries query rows
     * @param k       {@code [keys, kvHeads·headDim]}
     * @param v       {@code [keys, kvHeads·headDim]}
     * @param keys    key rows
     * @param out     {@code [queries, heads·headDim]}, overwritten
     */
    static void attend(float[] q, int queries, float[] k, float[] v, int keys, int heads, int kvHeads, int headDim,
                       float[] out) {
        int group = heads / kvHeads;
        int qWidth = heads * headDim;
        int kvWidth = kvHeads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        ElementwiseKernels ops = KernelProvider.elementwise(); // vectorised; the caller checked the shapes
        Parallel.forRange(heads, h -> {
            int kvOffset = (h / group) * headDim;
            // this head's keys and values, transposed (headDim, keys): the loops below then run along the
            // keys, headDim long vector loops instead of one short dot/axpy per key
            float[] khT = gatherTransposed(k, keys, kvWidth, kvOffset, headDim);
            float[] vhT = gatherTransposed(v, keys, kvWidth, kvOffset, headDim);
            float[] att = new float[keys]; // (keys) scores of one query row
            for (int t = 0; t < queries; t++) {
                int qRow = t * qWidth + h * headDim;
                // attention scores q·kᵀ / sqrt(head_dim), accumulated one head dimension at a time
                java.util.Arrays.fill(att, 0f);
                for (int d = 0; d < headDim; d++) {
                    ops.axpy(q[qRow + d] * scale, khT, d * keys, att, 0, keys);
                }
                // softmax over all keys (bidirectional: no mask)
                ops.softmax(att, 0, keys);
                // weighted sum of the values: one dot product over the keys per head dimension
                for (int d = 0; d < headDim; d++) {
                    out[qRow + d] = ops.dot(att, 0, vhT, d * keys, keys);
                }
            }
        });
    }

    /** Columns {@code [offset, offset+headDim)} of {@code src (rows, width)}, transposed to {@code (headDim, rows)}. */
    private static float[] gatherTransposed(float[] src, int rows, int width, int offset, int headDim) {
        float[] dst = new float[rows * headDim];
        for (int r = 0; r < rows; r++) {
            int s = r * width + offset;
            for (int d = 0; d < headDim; d++) {
                dst[d * rows + r] = src[s + d];
            }
        }
        return dst;
    }
}
