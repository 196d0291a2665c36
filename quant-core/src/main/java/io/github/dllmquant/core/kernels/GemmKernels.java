package io.github.dllmquant.core.kernels;

import io.github.dllmquant.core.concurrent.ThreadPool;

/**
 * {@code Y = X·Wᵀ + b} for activations {@code X [m, k]} (heap, row-major) and weights {@code W [n, k]}
 * in one of the kernel layouts: {@link PackedF32Weights}, {@link Bf16Weights} (in place) or
 * {@link PackedQuantizedWeights} (weight-only, dequantized a panel at a time and reused for all tokens).
 * {@code y [m, n]} is overwritten. Exactly two implementations: {@link ScalarGemmKernels} (the
 * specification) and {@link PanamaGemmKernels}. Arguments are validated by the {@link Gemm} facade.
 *
 * <p>The pool's threads read the weight segments, so they must be accessible from any thread: memory of
 * a global, automatic or shared arena (a confined arena fails with {@link WrongThreadException}).
 */
public interface GemmKernels {

    /** A short name for logs. */
    String name();

    /** The panel width ({@code NR}) this implementation wants packed weights to have. */
    int panelWidth();

    /** F32 weights. */
    void gemm(float[] x, int m, PackedF32Weights w, float[] bias, float[] y, ThreadPool pool);

    /** BF16 weights read in place. */
    void gemm(float[] x, int m, Bf16Weights w, float[] bias, float[] y, ThreadPool pool);

    /** Weight-only quantized weights (W2..W8, any group size). */
    void gemm(float[] x, int m, PackedQuantizedWeights w, float[] bias, float[] y, ThreadPool pool);
}
