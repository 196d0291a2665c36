package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.quant.ActivationQuantizer;

/**
 * The integer kernel family: per-token dynamic activation quantization and the integer GEMMs that
 * consume its codes. Exactly two implementations: {@link ScalarIntegerKernels}, the readable
 * specification, and {@link PanamaIntegerKernels}, its Vector API twin, which must produce identical
 * codes and identical outputs. {@link IntegerKernelsProvider} picks one at startup; callers normally go
 * through the validating facade {@link IntegerOps}.
 *
 * <p>Implementations trust their arguments (the facade validates them) and keep no state.
 */
public interface IntegerKernels {

    /** A short name for logs and benchmarks, {@code "scalar"} or {@code "panama-512"}. */
    String name();

    /**
     * Quantizes each of {@code out.tokens()} rows of {@code x} (row-major, {@code out.k()} columns)
     * with its own dynamic scale, as {@link QuantizedActivations} describes.
     */
    void quantizePerToken(float[] x, ActivationQuantizer aq, QuantizedActivations out);

    /**
     * Integer GEMM of int8 weights by quantized activations, for output rows {@code [rowStart, rowEnd)}:
     * <pre>
     *   acc[t][o][g] = Σ_{i in g} (w[o][i] − zw[o][g])·(a[t][i] − za[t])      exact, integer
     *   y[t·out + o] = (Σ_g float(acc)·sw[o][g]) · sa[t]                      groups in order
     * </pre>
     * No bias. Other entries of {@code y} are left untouched.
     */
    void gemm(Int8Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd);

    /**
     * Integer GEMM of packed int4 weights by quantized activations (int8- or int4-valued), for output
     * rows {@code [rowStart, rowEnd)}: the same formula as the int8 {@link #gemm(Int8Weights,
     * QuantizedActivations, float[], int, int) gemm}, with unsigned nibbles and raw zero points. The
     * weights must be packed with {@link #int4Block()}.
     */
    void gemm(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd);

    /** The nibble block (elements) this implementation's int4 GEMM expects in {@link Int4Weights}. */
    int int4Block();

    /**
     * The zero-point correction: {@code Σ (w − zw)(a − za) = Σ w·a − za·Σ w − zw·Σ a + n·zw·za}, exact
     * in {@code long}. Shared by both implementations so their outputs agree bit for bit.
     */
    static long correctedDot(long dot, int sumW, int sumA, int zw, int za, int n) {
        return dot - (long) za * sumW - (long) zw * sumA + (long) n * zw * za;
    }
}
