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
            // this head's keys and values, gathered contiguous (keys, headDim)
            float[] kh = gather(k, keys, kvWidth, kvOffset, headDim);
            float[] vh = gather(v, keys, kvWidth, kvOffset, headDim);
            float[] att = new float[keys]; // (keys) scores of one query row
            float[] acc = new float[headDim];
            float[] qh = new float[headDim];
            for (int t = 0; t < queries; t++) {
                System.arraycopy(q, t * qWidth + h * headDim, qh, 0, headDim);
                // attention scores q·kᵀ / sqrt(head_dim)
                for (int s = 0; s < keys; s++) {
                    att[s] = ops.dot(qh, 0, kh, s * headDim, headDim) * scale;
                }
                // softmax over all keys (bidirectional: no mask)
                ops.softmax(att, 0, keys);
                // weighted sum of the values
                java.util.Arrays.fill(acc, 0f);
                for (int s = 0; s < keys; s++) {
                    ops.axpy(att[s], vh, s * headDim, acc, 0, headDim);
                }
                System.arraycopy(acc, 0, out, t * qWidth + h * headDim, headDim);
            }
        });
    }

    private static float[] gather(float[] src, int rows, int width, int offset, int headDim) {
        float[] dst = new float[rows * headDim];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, r * width + offset, dst, r * headDim, headDim);
        }
        return dst;
    }
}
