package io.github.dllmquant.core.linalg;

/**
 * Lower-triangular inversion and solves in double, row-major {@code [n, n]}.
 *
 * <p>The inverse uses the block recursion
 * <pre>
 *   [A 0]⁻¹   [ A⁻¹          0  ]
 *   [B C]   = [ −C⁻¹·B·A⁻¹   C⁻¹ ]
 * </pre>
 * with both products done by {@link DoubleGemm}; blocks of at most {@value #LEAF} rows are inverted
 * by forward substitution.
 */
public final class TriangularMatrices {

    static final int LEAF = 64;

    private TriangularMatrices() {
    }

    /**
     * Replaces the lower-triangular {@code l} by its inverse (also lower triangular). The upper
     * triangle must be zero on entry.
     *
     * @throws ArithmeticException if a diagonal entry is 0 or not finite
     */
    public static void invertLowerInPlace(double[] l, int n) {
        Cholesky.checkSquare(l, n);
        for (int i = 0; i < n; i++) {
            double d = l[i * n + i];
            if (d == 0 || !Double.isFinite(d)) {
                throw new ArithmeticException("triangular matrix is singular: diagonal " + i + " is " + d);
            }
        }
        invert(l, n, 0, n);
    }

    /** Inverts the diagonal block {@code [off, off+size)²} of {@code l} in place. */
    private static void invert(double[] l, int n, int off, int size) {
        if (size <= LEAF) {
            invertLeaf(l, n, off, size);
            return;
        }
        int h = size / 2;
        int rest = size - h;
        invert(l, n, off, h);
        invert(l, n, off + h, rest);
        // T = B · A⁻¹, computed as B · (A⁻ᵀ)ᵀ with A⁻ᵀ copied into a compact array
        double[] ainvT = new double[h * h];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j <= i; j++) {
                ainvT[j * h + i] = l[(off + i) * n + off + j];
            }
        }
        double[] t = new double[rest * h];
        DoubleGemm.multiplyTransposed(rest, h, h, 1.0,
                new DoubleGemm.View(l, (off + h) * n + off, n), new DoubleGemm.View(ainvT, 0, h),
                new DoubleGemm.View(t, 0, h), false);
        // B' = −C⁻¹ · T, computed as −C⁻¹ · (Tᵀ)ᵀ
        double[] tT = new double[h * rest];
        for (int i = 0; i < rest; i++) {
            for (int j = 0; j < h; j++) {
                tT[j * rest + i] = t[i * h + j];
            }
        }
        for (int i = 0; i < rest; i++) {
            java.util.Arrays.fill(l, (off + h + i) * n + off, (off + h + i) * n + off + h, 0.0);
        }
        DoubleGemm.multiplyTransposed(rest, h, rest, -1.0,
                new DoubleGemm.View(l, (off + h) * n + off + h, n), new DoubleGemm.View(tT, 0, rest),
                new DoubleGemm.View(l, (off + h) * n + off, n), false);
    }

    /** Forward substitution, row by row: {@code X[i] = (e_i − Σ_{k<i} L[i][k]·X[k]) / L[i][i]}. */
    private static void invertLeaf(double[] l, int n, int off, int size) {
        double[] row = new double[size];
        for (int i = 0; i < size; i++) {
            java.util.Arrays.fill(row, 0.0);
            double lii = l[(off + i) * n + off + i];
            for (int k = 0; k < i; k++) {
                double lik = l[(off + i) * n + off + k];
                int xk = (off + k) * n + off;
                for (int j = 0; j <= k; j++) {
                    row[j] -= lik * l[xk + j];
                }
            }
            row[i] += 1.0;
            for (int j = 0; j <= i; j++) {
                l[(off + i) * n + off + j] = row[j] / lii;
            }
        }
    }

    /**
     * Solves {@code L·x = b} by forward substitution.
     *
     * @param l lower triangular {@code [n, n]}
     * @param b right-hand side {@code [n]}
     * @return a new {@code x}
     */
    public static double[] solveLower(double[] l, int n, double[] b) {
        Cholesky.checkSquare(l, n);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i * n + k] * x[k];
            }
            x[i] = s / l[i * n + i];
        }
        return x;
    }

    /**
     * Solves {@code Lᵀ·x = b} by back substitution.
     *
     * @param l lower triangular {@code [n, n]}
     * @param b right-hand side {@code [n]}
     * @return a new {@code x}
     */
    public static double[] solveLowerTransposed(double[] l, int n, double[] b) {
        Cholesky.checkSquare(l, n);
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k * n + i] * x[k];
            }
            x[i] = s / l[i * n + i];
        }
        return x;
    }
}
