package io.github.dllmquant.core.hadamard;

/**
 * The fast Walsh–Hadamard kernel family: {@link ScalarHadamardKernel} is the readable specification,
 * {@link PanamaHadamardKernel} its Vector API twin. Both perform the same float operations in the same
 * order per element, so their results agree bit for bit.
 *
 * <p>One call transforms {@code x[off, off + K·m·inner)} viewed as {@code [K, m, inner]}: the Sylvester
 * Walsh–Hadamard transform {@code H_m} ({@code m} a power of two, natural order) along the middle axis,
 * then {@code H_K} along the first axis, then a multiplication by {@code scale}:
 * <pre>
 *   y[k, r, c] = scale · Σ_k' Σ_r' H_K[k][k'] · H_m[r][r'] · x[k', r', c]
 * </pre>
 * With {@code inner = 1} and {@code scale = 1/√(K·m)} this is the orthonormal {@code (H_K ⊗ H_m)·x};
 * with {@code inner = headDim} it is the transform over the head axis of a {@code [heads, headDim]} view.
 */
public interface HadamardKernel {

    /**
     * Transforms one vector in place.
     *
     * @param x       data
     * @param off     first element
     * @param hK      {@code ±1} matrix {@code [K, K]} row-major, or {@code null} when {@code K = 1}
     * @param k       order of {@code hK}
     * @param m       Sylvester size, a power of two
     * @param inner   contiguous elements moved together (1 for a plain vector)
     * @param scale   final factor
     * @param scratch at least {@code K·m·inner} floats when {@code K > 1}; contents are overwritten
     */
    void transform(float[] x, int off, byte[] hK, int k, int m, int inner, float scale, float[] scratch);

    /** A short name for logs: {@code "scalar"} or {@code "panama(256 bit)"}. */
    String name();
}
