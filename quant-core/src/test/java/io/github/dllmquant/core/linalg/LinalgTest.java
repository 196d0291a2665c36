package io.github.dllmquant.core.linalg;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LinalgTest {

    @Test
    void choleskyOfTheTextbookMatrix() {
        double[] a = {4, 12, -16, 12, 37, -43, -16, -43, 98};
        assertThat(Cholesky.lower(a, 3)).containsExactly(2, 0, 0, 6, 1, 0, -8, 5, 3);
    }

    @Test
    void indefiniteMatrixReportsThePivotInsteadOfNaN() {
        double[] a = {1, 2, 2, 1};
        assertThatThrownBy(() -> Cholesky.lower(a, 2))
                .isInstanceOfSatisfying(NotPositiveDefiniteException.class, e -> {
                    assertThat(e.pivot()).isEqualTo(1);
                    assertThat(e.value()).isEqualTo(-3.0);
                });
        double[] nan = {1, 0, 0, Double.NaN};
        assertThatThrownBy(() -> Cholesky.lower(nan, 2)).isInstanceOf(NotPositiveDefiniteException.class)
                .hasMessageContaining("pivot 1");
    }

    @Test
    void inverseAndUpperFactorOfATwoByTwoByHand() {
        double[] a = {2, 1, 1, 2};
        double[] inv = SymmetricMatrices.inverse(a, 2);
        assertThat(inv[0]).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(inv[1]).isCloseTo(-1.0 / 3, within(1e-15));
        assertThat(inv[2]).isCloseTo(-1.0 / 3, within(1e-15));
        assertThat(inv[3]).isCloseTo(2.0 / 3, within(1e-15));
        double[] u = SymmetricMatrices.upperCholeskyOfInverse(a, 2);
        assertThat(u[0]).isCloseTo(Math.sqrt(2.0 / 3), within(1e-15));
        assertThat(u[1]).isCloseTo(-1.0 / (3 * Math.sqrt(2.0 / 3)), within(1e-15));
        assertThat(u[2]).isEqualTo(0.0);
        assertThat(u[3]).isCloseTo(Math.sqrt(0.5), within(1e-15));
    }

    @Test
    void blockedFactorisationsAgreeWithDefinitionsOnALargerMatrix() {
        int n = 203; // crosses the panel and leaf sizes with ragged ends
        double[] a = randomSpd(n, new Random(1));
        double[] l = Cholesky.lower(a, n);
        double[] llt = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += l[i * n + k] * l[j * n + k];
                }
                llt[i * n + j] = s;
                if (j > i) {
                    assertThat(l[i * n + j]).isEqualTo(0.0);
                }
            }
        }
        assertClose(llt, a, 1e-9);

        double[] inv = SymmetricMatrices.inverse(a, n);
        assertClose(multiply(inv, a, n), identity(n), 1e-9);

        double[] u = SymmetricMatrices.upperCholeskyOfInverse(a, n);
        for (int i = 0; i < n; i++) {
            assertThat(u[i * n + i]).isPositive();
            for (int j = 0; j < i; j++) {
                assertThat(u[i * n + j]).isEqualTo(0.0);
            }
        }
        // Uᵀ·U = A⁻¹, and U equals the textbook route chol(A⁻¹)ᵀ
        double[] utu = multiply(SymmetricMatrices.transpose(u, n), u, n);
        assertClose(utu, inv, 1e-9);
        double[] viaInverse = SymmetricMatrices.transpose(Cholesky.lower(inv, n), n);
        assertClose(u, viaInverse, 1e-9);
    }

    @Test
    void upperFactorFailureNamesThePivotInOriginalOrder() {
        int n = 5;
        double[] a = identity(n);
        a[1 * n + 1] = -2; // reversed order meets it at position 3
        assertThatThrownBy(() -> SymmetricMatrices.upperCholeskyOfInverse(a, n))
                .isInstanceOfSatisfying(NotPositiveDefiniteException.class, e -> assertThat(e.pivot()).isEqualTo(1));
    }

    @Test
    void triangularSolvesInvertTheFactor() {
        double[] l = {2, 0, 0, 6, 1, 0, -8, 5, 3};
        double[] x = TriangularMatrices.solveLower(l, 3, new double[]{2, 7, 0});
        assertThat(x).containsExactly(1, 1, 1);
        double[] y = TriangularMatrices.solveLowerTransposed(l, 3, new double[]{0, 6, 3});
        assertThat(y).containsExactly(1, 1, 1);
        double[] inv = l.clone();
        TriangularMatrices.invertLowerInPlace(inv, 3);
        assertClose(multiply(inv, l, 3), identity(3), 1e-15);
    }

    @Test
    void gemmMatchesItsScalarSpecificationOnAwkwardSizes() {
        Random r = new Random(7);
        for (int[] s : new int[][]{{1, 1, 1}, {13, 7, 5}, {67, 67, 33}, {40, 9, 130}}) {
            int m = s[0], n = s[1], k = s[2];
            double[] a = r.doubles((long) m * (k + 3)).toArray();
            double[] b = r.doubles((long) n * (k + 1)).toArray();
            for (boolean lower : new boolean[]{false, true}) {
                double[] c1 = r.doubles((long) m * n).toArray();
                double[] c2 = c1.clone();
                DoubleGemm.View va = new DoubleGemm.View(a, 2, k + 3);
                DoubleGemm.View vb = new DoubleGemm.View(b, 1, k + 1);
                DoubleGemm.multiplyTransposed(m, n, k, -0.5, va, vb, new DoubleGemm.View(c1, 0, n), lower);
                DoubleGemm.multiplyTransposedScalar(m, n, k, -0.5, va, vb, new DoubleGemm.View(c2, 0, n), lower);
                assertClose(c1, c2, 1e-12 * k);
            }
        }
    }

    static double[] randomSpd(int n, Random r) {
        double[] g = new double[n * n];
        for (int i = 0; i < g.length; i++) {
            g[i] = r.nextGaussian();
        }
        double[] a = multiply(SymmetricMatrices.transpose(g, n), g, n);
        SymmetricMatrices.addToDiagonal(a, n, n * 0.1);
        return a;
    }

    static double[] multiply(double[] x, double[] y, int n) {
        double[] z = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double xik = x[i * n + k];
                for (int j = 0; j < n; j++) {
                    z[i * n + j] += xik * y[k * n + j];
                }
            }
        }
        return z;
    }

    static double[] identity(int n) {
        double[] e = new double[n * n];
        for (int i = 0; i < n; i++) {
            e[i * n + i] = 1;
        }
        return e;
    }

    static void assertClose(double[] actual, double[] expected, double tol) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 1;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("entry %d", i).isCloseTo(expected[i], within(tol * scale));
        }
    }
}
