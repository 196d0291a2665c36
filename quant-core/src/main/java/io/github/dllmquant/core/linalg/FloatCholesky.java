package io.github.dllmquant.core.linalg;

import java.util.Arrays;

/**
 * Cholesky factorisation {@code A = L·Lᵀ} in float, blocked for large orders (GPTQ's 12288² down
 * projection Hessian): the precision of the reference GPTQ ({@code torch.linalg.cholesky} on fp32).
 *
 * <p>Right-looking, panels of {@value #PANEL} columns: factor the diagonal block (scalar), invert it,
 * get the panel below it as one product {@code A₂₁·L₁₁⁻ᵀ}, then subtract the panel's outer product from
 * the trailing matrix; both products run on the F32 GEMM ({@link FloatProducts}). {@link Cholesky} is the
 * double twin the tests compare against. A pivot that is not positive and finite raises
 * {@link NotPositiveDefiniteException} naming the column, never NaN.
 */
public final class FloatCholesky {

    /** Columns per panel. */
    static final int PANEL = 256;

    private FloatCholesky() {
    }

    /**
     * Overwrites {@code a} with its lower Cholesky factor (upper triangle set to zero). Only the lower
     * triangle is read. On failure the contents of {@code a} are unspecified.
     *
     * @throws NotPositiveDefiniteException if a pivot is not positive and finite
     */
    public static void factorInPlace(float[] a, int n) {
        checkSquare(a, n);
        for (int k0 = 0; k0 < n; k0 += PANEL) {
            int k1 = Math.min(n, k0 + PANEL);
            int b = k1 - k0;
            factorDiagonalBlock(a, n, k0, k1);
            int rest = n - k1;
            if (rest == 0) {
                break;
            }
            // L₂₁ = A₂₁·L₁₁⁻ᵀ: rows of A₂₁ against rows of L₁₁⁻¹
            float[] inv = FloatProducts.copy(a, k0 * n + k0, n, b, b);
            for (int i = 0; i < b; i++) {
                Arrays.fill(inv, i * b + i + 1, i * b + b, 0f); // the block's upper part still holds A
            }
            FloatTriangular.invertLowerLeaf(inv, b, 0, b);
            float[] panel = FloatProducts.multiplyTransposed(a, k1 * n + k0, n, rest, inv, 0, b, b, b);
            for (int r = 0; r < rest; r++) {
                System.arraycopy(panel, r * b, a, (k1 + r) * n + k0, b);
            }
            // A₂₂ −= L₂₁·L₂₁ᵀ (lower triangle)
            FloatProducts.addLowerProduct(panel, 0, b, rest, b, -1f, a, k1 * n + k1, n);
        }
        for (int i = 0; i < n; i++) {
            Arrays.fill(a, i * n + i + 1, i * n + n, 0f);
        }
    }

    /** Unblocked Cholesky–Banachiewicz on the diagonal block {@code [k0, k1)²}. */
    private static void factorDiagonalBlock(float[] a, int n, int k0, int k1) {
        for (int j = k0; j < k1; j++) {
            int rj = j * n;
            float d = a[rj + j];
            for (int k = k0; k < j; k++) {
                d -= a[rj + k] * a[rj + k];
            }
            if (!(d > 0) || !Float.isFinite(d)) {
                throw new NotPositiveDefiniteException(j, d);
            }
            float ljj = (float) Math.sqrt(d);
            a[rj + j] = ljj;
            for (int i = j + 1; i < k1; i++) {
                int ri = i * n;
                float s = a[ri + j];
                for (int k = k0; k < j; k++) {
                    s -= a[ri + k] * a[rj + k];
                }
                a[ri + j] = s / ljj;
            }
        }
    }

    static void checkSquare(float[] a, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("matrix order must be positive, got " + n);
        }
        if (a.length != (long) n * n) {
            throw new IllegalArgumentException("matrix has " + a.length + " entries, expected n*n = " + (long) n * n);
        }
    }
}
