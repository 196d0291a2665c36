package io.github.dllmquant.core.linalg;

/**
 * Symmetric positive definite helpers in double: inverse via Cholesky and triangular inversion, the
 * upper Cholesky factor of the inverse that GPTQ reads (ptq-methods.md §4.2), and diagonal helpers.
 */
public final class SymmetricMatrices {

    private SymmetricMatrices() {
    }

    /**
     * {@code A⁻¹ = L⁻ᵀ·L⁻¹} with {@code A = L·Lᵀ}.
     *
     * @param a symmetric positive definite {@code [n, n]} (lower triangle read)
     * @return a new full symmetric inverse
     * @throws NotPositiveDefiniteException if {@code a} is not positive definite
     */
    public static double[] inverse(double[] a, int n) {
        double[] x = Cholesky.lower(a, n);
        TriangularMatrices.invertLowerInPlace(x, n);
        // A⁻¹[i][j] = Σ_k X[k][i]·X[k][j]: rows of Xᵀ against rows of Xᵀ
        double[] xt = transpose(x, n);
        double[] inv = new double[n * n];
        DoubleGemm.View v = new DoubleGemm.View(xt, 0, n);
        DoubleGemm.multiplyTransposed(n, n, n, 1.0, v, v, new DoubleGemm.View(inv, 0, n), true);
        mirrorLowerToUpper(inv, n);
        return inv;
    }

    /**
     * The upper-triangular {@code U} with {@code A⁻¹ = Uᵀ·U} (GPTQ's {@code Hinv}, §4.2), overwriting
     * {@code a}.
     *
     * <p>Same result as {@code chol(inverse(A))ᵀ} (Cholesky factors are unique) at the cost of one
     * factorisation and one triangular inversion: with {@code J} the reversal permutation,
     * {@code J·A·J = L'·L'ᵀ} gives {@code A = Ũ·Ũᵀ} with {@code Ũ = J·L'·J} upper, hence
     * {@code A⁻¹ = Ũ⁻ᵀ·Ũ⁻¹} and {@code U = Ũ⁻¹ = J·L'⁻¹·J}.
     *
     * @param a symmetric positive definite {@code [n, n]}; replaced by {@code U} (lower triangle zero)
     * @throws NotPositiveDefiniteException if {@code a} is not positive definite (the pivot is reported
     *         in the original index order); {@code a} is then unspecified
     */
    public static void upperCholeskyOfInverseInPlace(double[] a, int n) {
        Cholesky.checkSquare(a, n);
        reverseInPlace(a, n);
        try {
            Cholesky.factorInPlace(a, n);
        } catch (NotPositiveDefiniteException e) {
            throw new NotPositiveDefiniteException(n - 1 - e.pivot(), e.value());
        }
        TriangularMatrices.invertLowerInPlace(a, n);
        reverseInPlace(a, n);
    }

    /**
     * Float twin of {@link #upperCholeskyOfInverseInPlace(double[], int)} on the blocked GEMM-based
     * {@link FloatCholesky} and {@link FloatTriangular}: the precision of the reference GPTQ (fp32) and
     * the fast path for large Hessians.
     */
    public static void upperCholeskyOfInverseInPlace(float[] a, int n) {
        FloatCholesky.checkSquare(a, n);
        reverseInPlace(a, n);
        try {
            FloatCholesky.factorInPlace(a, n);
        } catch (NotPositiveDefiniteException e) {
            throw new NotPositiveDefiniteException(n - 1 - e.pivot(), e.value());
        }
        FloatTriangular.invertLowerInPlace(a, n);
        reverseInPlace(a, n);
    }

    /** Mean of the diagonal of a float matrix, summed in double. */
    public static double meanDiagonal(float[] a, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += a[i * n + i];
        }
        return s / n;
    }

    /** Convenience copy of {@link #upperCholeskyOfInverseInPlace}. */
    public static double[] upperCholeskyOfInverse(double[] a, int n) {
        double[] u = a.clone();
        upperCholeskyOfInverseInPlace(u, n);
        return u;
    }

    /** {@code A[i][j] ← A[n−1−i][n−1−j]}: a 180° turn, which maps lower triangles to upper ones. */
    static void reverseInPlace(double[] a, int n) {
        int total = n * n;
        for (int p = 0, q = total - 1; p < q; p++, q--) {
            double t = a[p];
            a[p] = a[q];
            a[q] = t;
        }
    }

    /** Float twin of {@link #reverseInPlace(double[], int)}. */
    static void reverseInPlace(float[] a, int n) {
        int total = n * n;
        for (int p = 0, q = total - 1; p < q; p++, q--) {
            float t = a[p];
            a[p] = a[q];
            a[q] = t;
        }
    }

    /** Copies the strict lower triangle onto the upper one. */
    public static void mirrorLowerToUpper(double[] a, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                a[j * n + i] = a[i * n + j];
            }
        }
    }

    /** A new transposed copy of a square matrix. */
    public static double[] transpose(double[] a, int n) {
        double[] t = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t[j * n + i] = a[i * n + j];
            }
        }
        return t;
    }

    /** Mean of the diagonal. */
    public static double meanDiagonal(double[] a, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += a[i * n + i];
        }
        return s / n;
    }

    /** Adds {@code value} to every diagonal entry. */
    public static void addToDiagonal(double[] a, int n, double value) {
        for (int i = 0; i < n; i++) {
            a[i * n + i] += value;
        }
    }

    /** {@code P·A·Pᵀ}: entry {@code (i, j)} of the result is {@code A[perm[i]][perm[j]]}. */
    public static double[] permute(double[] a, int n, int[] perm) {
        double[] p = new double[n * n];
        for (int i = 0; i < n; i++) {
            int ri = perm[i] * n;
            for (int j = 0; j < n; j++) {
                p[i * n + j] = a[ri + perm[j]];
            }
        }
        return p;
    }
}
