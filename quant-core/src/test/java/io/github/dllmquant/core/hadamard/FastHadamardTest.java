package io.github.dllmquant.core.hadamard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FastHadamardTest {

    /** {@code n} standard Gaussian floats from {@code Random(seed)} (shared with {@link HadamardTransformTest}). */
    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** The dense definition: y = (H_K ⊗ H_m)·x/√n with H_m the Sylvester matrix, in double. */
    private static double[] dense(float[] x, int off, int n) {
        int k = HadamardMatrices.hadK(n);
        int m = n / k;
        byte[] hK = HadamardMatrices.matrix(k);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            int ki = i / m;
            int ri = i % m;
            double acc = 0;
            for (int j = 0; j < n; j++) {
                int kj = j / m;
                int rj = j % m;
                int sylvester = Integer.bitCount(ri & rj) % 2 == 0 ? 1 : -1;
                acc += hK[ki * k + kj] * sylvester * (double) x[off + j];
            }
            y[i] = acc / Math.sqrt(n);
        }
        return y;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 64, 12, 24, 20, 40, 28, 36, 60, 108, 140, 148, 96, 768})
    void scalarKernelMatchesDenseDefinition(int n) {
        float[] x = random(2 * n, n);
        double[] y0 = dense(x, 0, n);
        double[] y1 = dense(x, n, n);
        FastHadamard.transformRows(ScalarHadamardKernel.INSTANCE, x, 2, n);
        double tol = 1e-5 * Math.sqrt(n) + 1e-6;
        for (int i = 0; i < n; i++) {
            assertThat((double) x[i]).as("token 0, element %d of n=%d", i, n).isCloseTo(y0[i], within(tol));
            assertThat((double) x[n + i]).as("token 1, element %d of n=%d", i, n).isCloseTo(y1[i], within(tol));
        }
    }

    @Test
    void panamaMatchesScalarOnAllSizesUpTo4096AndKTimesPowersOfTwo() {
        for (int n = 1; n <= 4096; n <<= 1) {
            compareTwins(n, 3);
        }
        for (int k : new int[] {12, 20, 28, 36, 40, 60, 108, 140, 148}) {
            for (int m = 1; m <= 256; m <<= 1) {
                compareTwins(k * m, 2);
            }
        }
        compareTwins(12 * 1024, 1);
    }

    private static void compareTwins(int n, int tokens) {
        float[] a = random(tokens * n, 31L * n + tokens);
        float[] b = a.clone();
        FastHadamard.transformRows(ScalarHadamardKernel.INSTANCE, a, tokens, n);
        FastHadamard.transformRows(PanamaHadamardKernel.INSTANCE, b, tokens, n);
        float tol = 1e-6f * (float) Math.log(n + 1.0) * 4;
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).as("n=%d element %d", n, i).isCloseTo(a[i], within(tol));
        }
    }

    @Test
    void headAxisTwinsAgreeAndMatchKronecker() {
        int[][] shapes = {{8, 32}, {12, 16}, {40, 5}, {2, 13}, {4, 1}, {28, 7}};
        for (int[] s : shapes) {
            int heads = s[0];
            int hd = s[1];
            int n = heads * hd;
            float[] a = random(3 * n, heads * 1000L + hd);
            float[] b = a.clone();
            float[] ref = a.clone();
            FastHadamard.transformHeadAxis(ScalarHadamardKernel.INSTANCE, a, 3, heads, hd);
            FastHadamard.transformHeadAxis(PanamaHadamardKernel.INSTANCE, b, 3, heads, hd);
            assertThat(b).as("heads %d x %d", heads, hd).containsExactly(a);
            // reference: gather each column d over heads, apply the plain H_heads/√heads
            for (int t = 0; t < 3; t++) {
                for (int d = 0; d < hd; d++) {
                    float[] col = new float[heads];
                    for (int h = 0; h < heads; h++) {
                        col[h] = ref[t * n + h * hd + d];
                    }
                    double[] y = dense(col, 0, heads);
                    for (int h = 0; h < heads; h++) {
                        assertThat((double) a[t * n + h * hd + d]).isCloseTo(y[h], within(1e-5));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 12, 20, 28, 36, 40, 60, 108, 140, 148, 768, 1024})
    void transformIsOrthonormal(int n) {
        float[] x = random(n, 7 + n);
        double norm0 = 0;
        for (float v : x) {
            norm0 += (double) v * v;
        }
        float[] y = x.clone();
        FastHadamard.transformRows(y, 1, n);
        double norm1 = 0;
        for (float v : y) {
            norm1 += (double) v * v;
        }
        assertThat(Math.sqrt(norm1)).isCloseTo(Math.sqrt(norm0), within(1e-5 * Math.sqrt(norm0)));
        // the dense matrix is orthogonal: M·Mᵀ = I
        double[] m = FastHadamard.orthonormalMatrix(n);
        for (int i = 0; i < n; i += Math.max(1, n / 16)) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int c = 0; c < n; c++) {
                    dot += m[i * n + c] * m[j * n + c];
                }
                assertThat(dot).isCloseTo(i == j ? 1.0 : 0.0, within(1e-12));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 32, 256, 4096})
    void sylvesterTransformIsItsOwnInverse(int n) {
        float[] x = random(n, n);
        float[] y = x.clone();
        FastHadamard.transformRows(y, 1, n);
        FastHadamard.transformRows(y, 1, n);
        for (int i = 0; i < n; i++) {
            assertThat(y[i]).isCloseTo(x[i], within(1e-5f));
        }
    }

    @Test
    void knownValuesOfH4() {
        float[] x = {1, 2, 3, 4};
        FastHadamard.transformRows(x, 1, 4);
        // H_4 (natural order) · (1,2,3,4) = (10, -2, -4, 0), divided by 2
        assertThat(x).containsExactly(5f, -1f, -2f, 0f);
    }
}
