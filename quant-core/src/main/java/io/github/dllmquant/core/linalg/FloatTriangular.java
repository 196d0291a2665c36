package io.github.dllmquant.core.linalg;

import java.util.Arrays;

/**
 * Lower-triangular inversion in float, row-major {@code [n, n]}, for large orders: the block recursion
 * <pre>
 *   [A 0]⁻¹   [ A⁻¹          0  ]
 *   [B C]   = [ −C⁻¹·B·A⁻¹   C⁻¹ ]
 * </pre>
 * with both products on the F32 GEMM ({@link FloatProducts}); blocks of at most {@value #LEAF} rows are
 * inverted by forward substitution. {@link TriangularMatrices} is the double twin.
 */
public final class FloatTriangular {

    static final int LEAF = 256;

    private FloatTriangular() {
    }

    /**
     * Replaces the lower-triangular {@code l} by its inverse (also lower triangular). The upper triangle
     * must be zero on entry.
     *
     * @throws ArithmeticException if a diagonal entry is 0 or not finite
     */
    public static void invertLowerInPlace(float[] l, int n) {
        FloatCholesky.checkSquare(l, n);
        for (int i = 0; i < n; i++) {
            float d = l[i * n + i];
            if (d == 0 || !Float.isFinite(d)) {
                throw new ArithmeticException("triangular matrix is singular: diagonal " + i + " is " + d);
            }
        }
        invert(l, n, 0, n);
    }

    private static void invert(float[] l, int n, int off, int size) {
        if (size <= LEAF) {
            invertLowerLeaf(l, n, off, size);
            return;
        }
        int h = Math.max(LEAF, (size / 2 + 63) / 64 * 64); // panel-aligned split
        int rest = size - h;
        invert(l, n, off, h);
        invert(l, n, off + h, rest);
        // T = B·A⁻¹ = rows of B against rows of A⁻ᵀ
        float[] ainvT = FloatProducts.transposedCopy(l, off * n + off, n, h, h);
        float[] t = FloatProducts.multiplyTransposed(l, (off + h) * n + off, n, rest, ainvT, 0, h, h, h);
        // B' = −C⁻¹·T = −(rows of C⁻¹ against rows of Tᵀ)
        float[] tT = FloatProducts.transposedCopy(t, 0, h, rest, h);
        float[] b = FloatProducts.multiplyTransposed(l, (off + h) * n + off + h, n, rest, tT, 0, rest, h, rest);
        for (int i = 0; i < rest; i++) {
            int dst = (off + h + i) * n + off;
            int src = i * h;
            for (int j = 0; j < h; j++) {
                l[dst + j] = -b[src + j];
            }
        }
    }

    /**
     * Forward substitution on the diagonal block {@code [off, off+size)²} of a row-major {@code [n, n]}
     * array, in place: {@code X[i] = (e_i − Σ_{k<i} L[i][k]·X[k]) / L[i][i]}.
     */
    static void invertLowerLeaf(float[] l, int n, int off, int size) {
        float[] row = new float[size];
        for (int i = 0; i < size; i++) {
            Arrays.fill(row, 0f);
            int ri = (off + i) * n + off;
            float lii = l[ri + i];
            for (int k = 0; k < i; k++) {
                float lik = l[ri + k];
                int xk = (off + k) * n + off;
                for (int j = 0; j <= k; j++) {
                    row[j] -= lik * l[xk + j];
                }
            }
            row[i] += 1f;
            for (int j = 0; j <= i; j++) {
                l[ri + j] = row[j] / lii;
            }
        }
    }
}
