package io.github.dllmquant.core.kernels;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.concurrent.ThreadPool;

import java.util.Objects;

/**
 * The public GEMM facade: {@code y [m, n] = x [m, k]·Wᵀ + bias} on the shared {@link Parallel} pool with
 * the kernels {@link KernelProvider} chose. Validates shapes with messages that name the arguments.
 */
public final class Gemm {

    private Gemm() {
    }

    /** F32 packed weights. */
    public static void gemm(float[] x, int m, PackedF32Weights w, float[] bias, float[] y) {
        gemm(x, m, w, bias, y, Parallel.pool());
    }

    /** F32 packed weights on a given pool. */
    public static void gemm(float[] x, int m, PackedF32Weights w, float[] bias, float[] y, ThreadPool pool) {
        check(x, m, w.n(), w.k(), bias, y, pool);
        KernelProvider.gemm().gemm(x, m, w, bias, y, pool);
    }

    /** BF16 weights read in place. */
    public static void gemm(float[] x, int m, Bf16Weights w, float[] bias, float[] y) {
        gemm(x, m, w, bias, y, Parallel.pool());
    }

    /** BF16 weights on a given pool. */
    public static void gemm(float[] x, int m, Bf16Weights w, float[] bias, float[] y, ThreadPool pool) {
        check(x, m, w.n(), w.k(), bias, y, pool);
        KernelProvider.gemm().gemm(x, m, w, bias, y, pool);
    }

    /** Weight-only quantized packed weights. */
    public static void gemm(float[] x, int m, PackedQuantizedWeights w, float[] bias, float[] y) {
        gemm(x, m, w, bias, y, Parallel.pool());
    }

    /** Weight-only quantized packed weights on a given pool. */
    public static void gemm(float[] x, int m, PackedQuantizedWeights w, float[] bias, float[] y, ThreadPool pool) {
        check(x, m, w.n(), w.k(), bias, y, pool);
        KernelProvider.gemm().gemm(x, m, w, bias, y, pool);
    }

    private static void check(float[] x, int m, int n, int k, float[] bias, float[] y, ThreadPool pool) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(pool, "pool");
        GemmShapes.checkCall(x, m, n, k, bias, y);
    }
}
