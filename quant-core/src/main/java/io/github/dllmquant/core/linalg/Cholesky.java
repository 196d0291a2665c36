package io.github.dllmquant.core.linalg;

import java.util.stream.IntStream;

/**
 * Cholesky factorisation {@code A = L·Lᵀ} of a symmetric positive definite matrix, in double.
 *
 * <p>Blocked right-looking algorithm (panels of {@value #PANEL} columns): factor the diagonal block,
 * solve the panel below it, subtract the panel's outer product from the trailing matrix with
 * {@link DoubleGemm}. A pivot that is not positive and finite raises {@link NotPositiveDefiniteException}
 * naming the column, never NaN.
 */
public final class Cholesky {

    /** Columns per panel. */
    static final int PANEL = 64;

    private Cholesky() {
    }

    /**
     * Factors a copy of {@code a}.
     *
     * @param a symmetric {@code [n, n]} row-major (only the lower triangle is read)
     * @return the lower factor {@code L}, upper triangle zero
     * @throws NotPositiveDefiniteException if {@code a} is not numerically positive definite
     */
    public static double[] lower(double[] a, int n) {
        double[] l = a.clone();
        factorInPlace(l, n);
        return l;
    }

    /**
     * Overwrites {@code a} with its lower Cholesky factor (upper triangle set to zero). On failure the
     * contents of {@code a} are unspecified.
     *
     * @throws NotPositiveDefiniteException if a pivot is not positive and finite
     */
    public static void factorInPlace(double[] a, int n) {
        checkSquare(a, n);
        for (int k0 = 0; k0 < n; k0 += PANEL) {
            int k1 = Math.min(n, k0 + PANEL);
            factorDiagonalBlock(a, n, k0, k1);
            solvePanel(a, n, k0, k1);
            int rest = n - k1;
            if (rest > 0) {
                // A[k1:, k1:] -= L[k1:, k0:k1] · L[k1:, k0:k1]ᵀ (lower triangle only)
                DoubleGemm.View panel = new DoubleGemm.View(a, k1 * n + k0, n);
                DoubleGemm.View trailing = new DoubleGemm.View(a, k1 * n + k1, n);
                DoubleGemm.multiplyTransposed(rest, rest, k1 - k0, -1.0, panel, panel, trailing, true);
            }
        }
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(a, i * n + i + 1, i * n + n, 0.0);
        }
    }

    /** Unblocked Cholesky–Banachiewicz on the diagonal block {@code [k0, k1)²}. */
    private static void factorDiagonalBlock(double[] a, int n, int k0, int k1) {
        for (int j = k0; j < k1; j++) {
            double d = a[j * n + j];
            for (int k = k0; k < j; k++) {
                d -= a[j * n + k] * a[j * n + k];
            }
            if (!(d > 0) || !Double.isFinite(d)) {
                throw new NotPositiveDefiniteException(j, d);
            }
            double ljj = Math.sqrt(d);
            a[j * n + j] = ljj;
            for (int i = j + 1; i < k1; i++) {
                double s = a[i * n + j];
                for (int k = k0; k < j; k++) {
                    s -= a[i * n + k] * a[j * n + k];
                }
                a[i * n + j] = s / ljj;
            }
        }
    }

    /** {@code L[i][k0:k1] = A[i][k0:k1] · L_kk⁻ᵀ} for every row below the block. */
    private static void solvePanel(double[] a, int n, int k0, int k1) {
        IntStream rows = IntStream.range(k1, n);
        if ((long) (n - k1) * (k1 - k0) * (k1 - k0) > (1 << 18)) {
            rows = rows.parallel();
        }
        rows.forEach(i -> {
            for (int j = k0; j < k1; j++) {
                double s = a[i * n + j];
                for (int k = k0; k < j; k++) {
                    s -= a[i * n + k] * a[j * n + k];
                }
                a[i * n + j] = s / a[j * n + j];
            }
        });
    }

    static void checkSquare(double[] a, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("matrix order must be positive, got " + n);
        }
        if (a.length != (long) n * n) {
            throw new IllegalArgumentException("matrix has " + a.length + " entries, expected n*n = " + (long) n * n);
        }
    }
}
