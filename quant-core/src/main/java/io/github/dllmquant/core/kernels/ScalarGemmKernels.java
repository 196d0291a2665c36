package io.github.dllmquant.core.kernels;

import io.github.dllmquant.core.concurrent.ThreadPool;

/**
 * The scalar specification of {@link GemmKernels}: for every token and output row, a float dot product
 * over the logical weight values ({@code get(row, col)} of each layout). Single-threaded; the pool is
 * ignored. Reads any panel width.
 */
public final class ScalarGemmKernels implements GemmKernels {

    /** The single instance (stateless). */
    public static final ScalarGemmKernels INSTANCE = new ScalarGemmKernels();

    private ScalarGemmKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int panelWidth() {
        return 16;
    }

    @Override
    public void gemm(float[] x, int m, PackedF32Weights w, float[] bias, float[] y, ThreadPool pool) {
        int n = w.n();
        int k = w.k();
        float[] row = new float[k];
        for (int o = 0; o < n; o++) {
            for (int i = 0; i < k; i++) {
                row[i] = w.get(o, i);
            }
            dotAll(x, m, k, row, o, n, bias, y);
        }
    }

    @Override
    public void gemm(float[] x, int m, Bf16Weights w, float[] bias, float[] y, ThreadPool pool) {
        int n = w.n();
        int k = w.k();
        float[] row = new float[k];
        for (int o = 0; o < n; o++) {
            for (int i = 0; i < k; i++) {
                row[i] = w.get(o, i);
            }
            dotAll(x, m, k, row, o, n, bias, y);
        }
    }

    @Override
    public void gemm(float[] x, int m, PackedQuantizedWeights w, float[] bias, float[] y, ThreadPool pool) {
        int n = w.n();
        int k = w.k();
        float[] row = new float[k];
        for (int o = 0; o < n; o++) {
            for (int i = 0; i < k; i++) {
                row[i] = w.get(o, i); // (q − z)·s
            }
            dotAll(x, m, k, row, o, n, bias, y);
        }
    }

    /** {@code y[t][o] = Σ_i x[t][i]·row[i] + bias[o]} for every token. */
    private static void dotAll(float[] x, int m, int k, float[] row, int o, int n, float[] bias, float[] y) {
        for (int t = 0; t < m; t++) {
            float acc = 0f;
            int xo = t * k;
            for (int i = 0; i < k; i++) {
                acc += x[xo + i] * row[i];
            }
            y[t * n + o] = bias == null ? acc : acc + bias[o];
        }
    }
}
