package io.github.dllmquant.core.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Panama twin against the scalar specification (awkward sizes, offsets), and the scalar one against hand-computed values. */
class ElementwiseKernelsTest {

    private static final ElementwiseKernels SCALAR = ScalarElementwiseKernels.INSTANCE;
    private static final ElementwiseKernels PANAMA = PanamaElementwiseKernels.INSTANCE;

    private static float[] random(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    /** Element-wise relative-or-absolute tolerance check. */
    private static void assertClose(float[] expected, float[] actual, float rel, float abs) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            float tol = abs + rel * Math.abs(expected[i]);
            assertThat(actual[i]).as("index %d", i).isCloseTo(expected[i], within(tol));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 207, 702, 4098})
    void rmsNormMatchesScalar(int n) {
        Random rnd = new Random(n);
        float[] x = random(rnd, n + 5, 3f);
        float[] gain = random(rnd, n, 1f);
        float[] expected = new float[n + 3];
        float[] actual = new float[n + 3];
        SCALAR.rmsNorm(x, 5, gain, 1e-5f, expected, 3, n);
        PANAMA.rmsNorm(x, 5, gain, 1e-5f, actual, 3, n);
        assertClose(expected, actual, 1e-5f, 1e-6f);
        SCALAR.rmsNorm(x, 5, null, 1e-6f, expected, 3, n);
        PANAMA.rmsNorm(x, 5, null, 1e-6f, actual, 3, n);
        assertClose(expected, actual, 1e-5f, 1e-6f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 207, 702, 4098})
    void softmaxMatchesScalar(int n) {
        Random rnd = new Random(100 + n);
        float[] x = random(rnd, n + 7, 6f);
        x[7 + n / 2] = 40f; // a dominant logit: the max subtraction must keep exp finite
        float[] expected = x.clone();
        float[] actual = x.clone();
        SCALAR.softmax(expected, 7, n);
        PANAMA.softmax(actual, 7, n);
        assertClose(expected, actual, 1e-5f, 1e-9f);
        float sum = 0;
        for (int i = 0; i < n; i++) {
            sum += actual[7 + i];
        }
        assertThat(sum).isCloseTo(1f, within(1e-5f));
        assertThat(actual[0]).isEqualTo(x[0]); // outside the row: untouched
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 207, 702, 4098})
    void swigluMatchesScalar(int n) {
        Random rnd = new Random(200 + n);
        float[] a = random(rnd, n + 1, 4f);
        a[0] = -120f; // exp(120) overflows: silu must still be -0, not NaN
        float[] b = random(rnd, n + 2, 1f);
        float[] expected = new float[n];
        float[] actual = new float[n];
        SCALAR.swiglu(a, 0, b, 2, expected, 0, n);
        PANAMA.swiglu(a, 0, b, 2, actual, 0, n);
        assertClose(expected, actual, 2e-6f, 1e-30f);
        assertThat(actual[0]).isNotNaN();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 207, 702, 4098})
    void ropeMatchesScalarExactly(int half) {
        Random rnd = new Random(300 + half);
        RopeTable table = RopeTable.of(2 * half, 5, 10000.0);
        float[] x = random(rnd, 2 * half + 3, 1f);
        float[] expected = x.clone();
        float[] actual = x.clone();
        SCALAR.rope(expected, 3, table.cos, table.sin, 4 * half, half);
        PANAMA.rope(actual, 3, table.cos, table.sin, 4 * half, half);
        assertThat(actual).containsExactly(expected);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 207, 702, 4098})
    void dotAxpyScaleMatchScalar(int n) {
        Random rnd = new Random(400 + n);
        float[] a = random(rnd, n + 3, 1f);
        float[] b = random(rnd, n + 1, 1f);
        float absSum = 0;
        for (int i = 0; i < n; i++) {
            absSum += Math.abs(a[3 + i] * b[1 + i]);
        }
        assertThat(PANAMA.dot(a, 3, b, 1, n)).isCloseTo(SCALAR.dot(a, 3, b, 1, n), within(3e-6f * absSum + 1e-7f));

        float[] ye = b.clone();
        float[] ya = b.clone();
        SCALAR.axpy(-0.75f, a, 3, ye, 1, n);
        PANAMA.axpy(-0.75f, a, 3, ya, 1, n);
        assertClose(ye, ya, 1e-6f, 1e-6f); // FMA vs mul+add: one rounding apart
        SCALAR.scale(ye, 1, n, 1.5f);
        PANAMA.scale(ya, 1, n, 1.5f);
        assertClose(ye, ya, 1e-6f, 1e-6f);
    }

    @Test
    void scalarRmsNormByHand() {
        float[] out = new float[2];
        SCALAR.rmsNorm(new float[]{3, 4}, 0, new float[]{1, 2}, 0f, out, 0, 2);
        // mean square 12.5, rms 3.5355339
        assertThat(out[0]).isCloseTo(0.84852814f, within(1e-6f));
        assertThat(out[1]).isCloseTo(2.2627417f, within(1e-6f));
    }

    @Test
    void scalarSoftmaxByHand() {
        float[] x = {1, 2, 3};
        SCALAR.softmax(x, 0, 3);
        assertThat(x[0]).isCloseTo(0.09003057f, within(1e-7f));
        assertThat(x[1]).isCloseTo(0.24472847f, within(1e-7f));
        assertThat(x[2]).isCloseTo(0.66524096f, within(1e-7f));
    }

    @Test
    void scalarSwigluByHand() {
        float[] out = new float[3];
        SCALAR.swiglu(new float[]{0, 1, -2}, 0, new float[]{5, 2, 3}, 0, out, 0, 3);
        assertThat(out[0]).isEqualTo(0f);
        assertThat(out[1]).isCloseTo(1.4621172f, within(1e-6f)); // 2·silu(1) = 2·0.7310586
        assertThat(out[2]).isCloseTo(-0.7152175f, within(1e-6f)); // 3·silu(-2) = 3·(-0.23840584)
    }

    @Test
    void ropeByHand() {
        // headDim 4, theta 10000: inv_freq = [1, 0.01]; position 1 rotates (x0, x2) by 1 rad and (x1, x3) by 0.01 rad
        RopeTable table = RopeTable.of(4, 3, 10000.0);
        float[] x = {1, 2, 3, 4, /* token at position 2 */ 1, 0, 0, 0};
        Kernels.rope(x, 2, 1, 1, table);
        assertThat(x[0]).isCloseTo((float) (Math.cos(1) - 3 * Math.sin(1)), within(1e-6f));
        assertThat(x[1]).isCloseTo((float) (2 * Math.cos(0.01) - 4 * Math.sin(0.01)), within(1e-6f));
        assertThat(x[2]).isCloseTo((float) (3 * Math.cos(1) + Math.sin(1)), within(1e-6f));
        assertThat(x[3]).isCloseTo((float) (4 * Math.cos(0.01) + 2 * Math.sin(0.01)), within(1e-6f));
        assertThat(x[4]).isCloseTo((float) Math.cos(2), within(1e-6f));
        assertThat(x[6]).isCloseTo((float) Math.sin(2), within(1e-6f));
        assertThat(table.cos(2, 0)).isEqualTo(table.cos(2, 2)); // both halves share the angle
    }

    @Test
    void ropeAtPositionZeroIsIdentity() {
        RopeTable table = RopeTable.of(8, 1, 500000.0);
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        Kernels.rope(x, 1, 1, 0, table);
        assertThat(x).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void scalarDotByHand() {
        assertThat(SCALAR.dot(new float[]{1, 2, 3}, 0, new float[]{4, 5, 6}, 0, 3)).isEqualTo(32f);
    }

    @Test
    void facadeRowsMatchPerRowCalls() {
        Random rnd = new Random(7);
        float[] x = random(rnd, 3 * 37, 2f);
        float[] gain = random(rnd, 37, 1f);
        float[] out = new float[3 * 37];
        Kernels.rmsNorm(x, gain, 1e-5f, out, 3, 37);
        float[] row = new float[37];
        SCALAR.rmsNorm(x, 2 * 37, gain, 1e-5f, row, 0, 37);
        for (int i = 0; i < 37; i++) {
            assertThat(out[2 * 37 + i]).isCloseTo(row[i], within(1e-5f));
        }
        float[] s = random(rnd, 2 * 9, 1f);
        Kernels.softmaxRows(s, 2, 9);
        float sum = 0;
        for (int i = 9; i < 18; i++) {
            sum += s[i];
        }
        assertThat(sum).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void facadeNamesBadArguments() {
        assertThatThrownBy(() -> Kernels.rmsNorm(new float[10], null, 1e-5f, new float[12], 3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x has 10 values");
        assertThatThrownBy(() -> Kernels.dot(new float[4], 2, new float[4], 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a[2, 2+3)");
        RopeTable table = RopeTable.of(4, 2, 10000);
        assertThatThrownBy(() -> Kernels.rope(new float[8], 2, 1, 1, table))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the RoPE table");
        assertThatThrownBy(() -> RopeTable.of(5, 2, 10000)).hasMessageContaining("headDim");
    }
}
