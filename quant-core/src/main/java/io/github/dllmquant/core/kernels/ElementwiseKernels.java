package io.github.dllmquant.core.kernels;

/**
 * Element-wise and row-wise kernels of the transformer forward pass, over heap {@code float[]} with
 * explicit offsets. Exactly two implementations exist: {@link ScalarElementwiseKernels}, the readable
 * specification, and {@link PanamaElementwiseKernels}, its Vector API twin. Implementations do not
 * validate arguments (the {@link Kernels} facade does) and never allocate.
 */
public interface ElementwiseKernels {

    /** A short name for logs, for example {@code "panama-512"}. */
    String name();

    /**
     * RMSNorm of one row: {@code out[i] = x[i] · (1/sqrt(mean(x²) + eps)) · gain[i]}, accumulated in
     * float. {@code gain} may be {@code null} (no gain); {@code out} may be {@code x} (in place).
     */
    void rmsNorm(float[] x, int xOff, float[] gain, float eps, float[] out, int outOff, int width);

    /** Softmax of one row in place: {@code x[i] = exp(x[i] − max) / Σ exp(x[j] − max)}. */
    void softmax(float[] x, int off, int n);

    /** SwiGLU: {@code out[i] = silu(a[i]) · b[i]} with {@code silu(v) = v / (1 + exp(−v))}; out may alias a or b. */
    void swiglu(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

    /**
     * Rotate-half RoPE of one head vector of {@code 2·half} floats in place, with the table halves
     * {@code cos[tableOff..tableOff+half)} and {@code sin[...]} (the angles are the same for both halves):
     * <pre>
     *   x1' = x1·cos − x2·sin,   x2' = x2·cos + x1·sin     (x1 = x[0, half), x2 = x[half, 2·half))
     * </pre>
     */
    void rope(float[] x, int off, float[] cos, float[] sin, int tableOff, int half);

    /** Dot product {@code Σ a[i]·b[i]} accumulated in float. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[i] += alpha · x[i]}. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code x[i] *= s}. */
    void scale(float[] x, int off, int n, float s);
}
