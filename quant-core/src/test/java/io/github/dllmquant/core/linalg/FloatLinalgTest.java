package io.github.dllmquant.core.linalg;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The float, GEMM-based factorisations against their double twins and against definitions. */
class FloatLinalgTest {

    @Test
    void lowerProductMatchesTheDefinitionAcrossBlocksAndLeavesTheUpperTriangle() {
        int n = FloatProducts.SYRK_BLOCK + 77; // two row blocks, the second ragged
        int k = 37;
        int lda = 41;
        int ldc = n + 3;
        Random r = new Random(2);
        float[] a = new float[5 + n * lda];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        float[] c = new float[7 + n * ldc];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) r.nextGaussian();
        }
        float[] before = c.clone();
        FloatProducts.addLowerProduct(a, 5, lda, n, k, -0.5f, c, 7, ldc);
        for (int i = 0; i < n; i += 13) {
            for (int j = 0; j < n; j++) {
                int at = 7 + i * ldc + j;
                if (j > i) {
                    assertThat(c[at]).as("upper (%d, %d)", i, j).isEqualTo(before[at]);
                    continue;
                }
                double s = 0;
                for (int q = 0; q < k; q++) {
                    s += (double) a[5 + i * lda + q] * a[5 + j * lda + q];
                }
                assertThat((double) c[at]).as("(%d, %d)", i, j).isCloseTo(before[at] - 0.5 * s, within(1e-4));
            }
        }
    }

    @Test
    void productOfStridedViewsMatchesTheDefinition() {
        Random r = new Random(4);
        int m = 70, n = 90, k = 33;
        float[] a = gaussian(r, 3 + m * 50);
        float[] b = gaussian(r, 1 + n * 40);
        float[] y = FloatProducts.multiplyTransposed(a, 3, 50, m, b, 1, 40, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) {
                    s += (double) a[3 + i * 50 + q] * b[1 + j * 40 + q];
                }
                assertThat((double) y[i * n + j]).isCloseTo(s, within(1e-4));
            }
        }
    }

    @Test
    void floatCholeskyAgreesWithTheDoubleOneAcrossPanels() {
        int n = 2 * FloatCholesky.PANEL + 91;
        double[] a = LinalgTest.randomSpd(n, new Random(5));
        float[] f = toFloat(a);
        FloatCholesky.factorInPlace(f, n);
        LinalgTest.assertClose(toDouble(f), Cholesky.lower(a, n), 2e-5);
    }

    @Test
    void floatTriangularInverseAgreesWithTheDoubleOneAcrossTheRecursion() {
        int n = 2 * FloatTriangular.LEAF + 91;
        double[] l = Cholesky.lower(LinalgTest.randomSpd(n, new Random(6)), n);
        float[] f = toFloat(l);
        FloatTriangular.invertLowerInPlace(f, n);
        TriangularMatrices.invertLowerInPlace(l, n);
        LinalgTest.assertClose(toDouble(f), l, 2e-5);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                assertThat(f[i * n + j]).isZero();
            }
        }
    }

    @Test
    void floatUpperFactorOfTheInverseAgreesWithTheDoubleOne() {
        int n = 600;
        double[] a = LinalgTest.randomSpd(n, new Random(7));
        float[] f = toFloat(a);
        SymmetricMatrices.upperCholeskyOfInverseInPlace(f, n);
        LinalgTest.assertClose(toDouble(f), SymmetricMatrices.upperCholeskyOfInverse(a, n), 2e-5);
    }

    @Test
    void floatFactorisationReportsThePivotInOriginalOrder() {
        float[] a = {1, 2, 2, 1};
        assertThatThrownBy(() -> FloatCholesky.factorInPlace(a.clone(), 2))
                .isInstanceOfSatisfying(NotPositiveDefiniteException.class, e -> assertThat(e.pivot()).isEqualTo(1));
        // reversed order: the failing pivot of the reversed matrix is column 0 of the original
        float[] b = {1, 2, 2, 1};
        assertThatThrownBy(() -> SymmetricMatrices.upperCholeskyOfInverseInPlace(b, 2))
                .isInstanceOfSatisfying(NotPositiveDefiniteException.class, e -> assertThat(e.pivot()).isEqualTo(0));
        assertThatThrownBy(() -> FloatCholesky.factorInPlace(new float[3], 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n*n");
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
