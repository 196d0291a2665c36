package io.github.dllmquant.core.linear;

/**
 * A linear layer {@code Y = X·Wᵀ (+ b)} applied to a batch of tokens: the pluggable unit through which
 * the model code runs dense, weight-only quantized and weight+activation quantized projections alike.
 *
 * <p>Layout: {@code W} is {@code [out, in]}, {@code x} is {@code [tokens, in]} and {@code y} is
 * {@code [tokens, out]}, all row-major. Implementations are immutable after construction and
 * {@link #forward} is safe to call from several threads at once (per-call scratch, no shared buffers).
 */
public interface Linear {

    /** Number of input features {@code in} (columns of {@code W}). */
    int inFeatures();

    /** Number of output features {@code out} (rows of {@code W}). */
    int outFeatures();

    /**
     * Computes {@code y[t][o] = Σ_i x[t][i]·W[o][i] + b[o]} for {@code t < tokens}.
     *
     * @param x      input, at least {@code tokens·in} floats
     * @param tokens number of rows of {@code x}, at least 1
     * @param y      output, at least {@code tokens·out} floats; overwritten
     */
    void forward(float[] x, int tokens, float[] y);

    /**
     * The weight this layer effectively applies, dequantized to F32 {@code [out, in]} (including any
     * online input transform folded back in), for analysis and tests. Allocates a fresh array.
     */
    float[] effectiveWeight();

    /** The bias {@code [out]}, or {@code null} when the layer has none. Returns a copy. */
    float[] bias();

    /** Bytes the layer's parameters occupy in memory (codes, scales, zeros, bias, transforms). */
    long parameterBytes();

    /** A short description of the format, for example {@code "f32"}, {@code "bf16"}, {@code "w4a16 g128 sym"}. */
    String format();
}
