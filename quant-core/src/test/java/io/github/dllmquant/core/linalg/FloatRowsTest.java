package io.github.dllmquant.core.linalg;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The vectorised row updates give exactly the scalar statements' bits; the tiled transpose is a transpose. */
class FloatRowsTest {

    @Test
    void subtractScaledMatchesTheScalarTwinBitForBit() {
        Random rnd = new Random(4);
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 63, 64, 65, 127, 300, 1000}) {
            for (int round = 0; round < 20; round++) {
                int xOff = rnd.nextInt(5);
                int yOff = rnd.nextInt(5);
                float[] x = random(rnd, n + xOff + 3);
                float[] y = random(rnd, n + yOff + 3);
                // magnitudes far apart, so a fused multiply-add would round differently
                float a = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
                float[] expected = y.clone();
                FloatRows.subtractScaledScalar(expected, yOff, a, x, xOff, n);
                float[] actual = y.clone();
                FloatRows.subtractScaled(actual, yOff, a, x, xOff, n);
                assertThat(actual).as("n=%d a=%s", n, a).containsExactly(expected);
                float[] addExpected = y.clone();
                FloatRows.addScaledScalar(addExpected, yOff, a, x, xOff, n);
                float[] added = y.clone();
                FloatRows.addScaled(added, yOff, a, x, xOff, n);
                assertThat(added).as("add n=%d a=%s", n, a).containsExactly(addExpected);
                double[] xd = new double[x.length];
                double[] yd = new double[y.length];
                for (int i = 0; i < x.length; i++) {
                    xd[i] = x[i] * (1 + 1e-9 * i);
                }
                for (int i = 0; i < y.length; i++) {
                    yd[i] = y[i] / 3.0;
                }
                double[] dExpected = yd.clone();
                FloatRows.addScaledScalar(dExpected, yOff, a / 7.0, xd, xOff, n);
                double[] dActual = yd.clone();
                FloatRows.addScaled(dActual, yOff, a / 7.0, xd, xOff, n);
                assertThat(dActual).as("double add n=%d", n).containsExactly(dExpected);
                float[] plain = y.clone();
                FloatRows.subtract(plain, yOff, x, xOff, n);
                for (int i = 0; i < y.length; i++) {
                    boolean inside = i >= yOff && i < yOff + n;
                    assertThat(plain[i]).isEqualTo(inside ? y[i] - x[i - yOff + xOff] : y[i]);
                }
            }
        }
    }

    @Test
    void subtractScaledKeepsTheScalarStatementsSignedZerosAndSpecialValues() {
        float[] values = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN};
        int n = values.length * values.length + 3; // every (y, x) pair, vector body and scalar tail
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = values[(i / values.length) % values.length];
            x[i] = values[i % values.length];
        }
        for (float a : values) {
            float[] expected = y.clone();
            FloatRows.subtractScaledScalar(expected, 0, a, x, 0, n);
            float[] actual = y.clone();
            FloatRows.subtractScaled(actual, 0, a, x, 0, n);
            assertThat(actual).as("a=%s", a).containsExactly(expected);
        }
    }

    @Test
    void transposedCopyTransposesAnyShapeAndOffset() {
        Random rnd = new Random(8);
        for (int[] shape : new int[][] {{1, 1}, {3, 130}, {130, 3}, {64, 64}, {65, 129}}) {
            int rows = shape[0];
            int cols = shape[1];
            int stride = cols + 5;
            int offset = 7;
            float[] src = random(rnd, offset + rows * stride);
            float[] t = FloatRows.transposedCopy(src, offset, stride, rows, cols);
            assertThat(t).hasSize(rows * cols);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    assertThat(t[j * rows + i]).isEqualTo(src[offset + i * stride + j]);
                }
            }
        }
    }

    /** The tiled in-place update against one GEMM into a temporary (same kernel: same bits) and a double reference. */
    @Test
    void subtractProductTransposedUpdatesInPlaceAcrossRowTiles() {
        Random rnd = new Random(12);
        int m = FloatProducts.ROW_TILE + 44;
        int n = 70;
        int k = 33;
        int ldc = n + 9;
        int cOffset = 5;
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, n * k);
        float[] c = random(rnd, cOffset + m * ldc);
        float[] actual = c.clone();
        FloatProducts.subtractProductTransposed(a, m, b, n, k, actual, cOffset, ldc);
        float[] product = FloatProducts.multiplyTransposed(a, 0, k, m, b, 0, k, n, k);
        for (int r = 0; r < m; r++) {
            for (int j = 0; j < ldc; j++) {
                int at = cOffset + r * ldc + j;
                if (j >= n) {
                    assertThat(actual[at]).isEqualTo(c[at]);
                    continue;
                }
                assertThat(actual[at]).as("C[%d][%d]", r, j).isEqualTo(c[at] - product[r * n + j]);
                double ref = c[at];
                double magnitude = Math.abs(ref);
                for (int q = 0; q < k; q++) {
                    ref -= (double) a[r * k + q] * b[j * k + q];
                    magnitude += Math.abs((double) a[r * k + q] * b[j * k + q]);
                }
                assertThat((double) actual[at]).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-6 * magnitude));
            }
        }
        for (int i = 0; i < cOffset; i++) {
            assertThat(actual[i]).isEqualTo(c[i]);
        }
    }

    /** Every width (vector blocks of four, single vectors, scalar tail), zeros skipped, rows ranges: the twin's bits. */
    @Test
    void multiplyRowsMatchesTheScalarTwinBitForBit() {
        Random rnd = new Random(31);
        for (int n : new int[] {1, 5, 16, 17, 48, 64, 100, 128, 130}) {
            int rows = 7;
            float[] x = random(rnd, rows * n);
            for (int i = 0; i < x.length; i += 3) {
                x[i] = 0f; // skipped terms
            }
            x[2] = -0f;
            float[] m = random(rnd, n * n);
            float[] expected = new float[rows * n];
            java.util.Arrays.fill(expected, 42f);
            float[] actual = expected.clone();
            FloatRows.multiplyRowsScalar(x, 1, rows, n, m, expected);
            FloatRows.multiplyRows(x, 1, rows, n, m, actual);
            assertThat(actual).as("n=%d", n).containsExactly(expected);
            assertThat(actual[0]).isEqualTo(42f); // row 0 is outside the range
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
        }
        return v;
    }
}
