package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.quant.ActivationQuantizer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hand-computed cases for the scalar per-token quantizer (the specification the Panama twin must match). */
class ActivationQuantizationTest {

    private static QuantizedActivations quantize(float[] x, int tokens, int groupSize, ActivationQuantizer aq) {
        QuantizedActivations a = new QuantizedActivations(tokens, x.length / tokens, groupSize);
        ScalarIntegerKernels.INSTANCE.quantizePerToken(x, aq, a);
        return a;
    }

    @Test
    void symmetricInt8RoundsHalfToEven() {
        // max|x| = 127 -> s = 1 exactly, so x/s is x and every .5 is a true tie
        float[] x = {127f, 2.5f, -2.5f, 3.5f, -0.5f, 0.5f, 1.5f, -126.4f};
        QuantizedActivations a = quantize(x, 1, 8, ActivationQuantizer.symmetric(8));
        assertThat(a.scales()[0]).isEqualTo(1f);
        assertThat(a.zeros()[0]).isZero();
        assertThat(a.codes()).containsExactly(127, 2, -2, 4, 0, 0, 2, -126);
        assertThat(a.sums()[0]).isEqualTo(127 + 2 - 2 + 4 + 2 - 126);
        assertThat(a.fullNegativeRange()).isFalse();
    }

    @Test
    void symmetricInt4UsesSevenAsMaximum() {
        // s = 14/7 = 2; x/s = 7, 1.25 -> 1, -0.75 -> -1, -3.5 -> -4 (tie to even), 2.5 -> 2
        float[] x = {14f, 2.5f, -1.5f, -7f, 5f};
        QuantizedActivations a = quantize(x, 1, 5, ActivationQuantizer.symmetric(4));
        assertThat(a.scales()[0]).isEqualTo(2f);
        assertThat(a.codes()).containsExactly(7, 1, -1, -4, 2);
    }

    @Test
    void asymmetricInt4CentresCodesAndZero() {
        // min -3, max 12 -> s = 15/15 = 1, z = rint(3) = 3; q = rint(x) + 3; centred c = q - 8
        float[] x = {-3f, 12f, 0.5f, 1.5f, -2.5f};
        QuantizedActivations a = quantize(x, 1, 5, ActivationQuantizer.asymmetric(4));
        assertThat(a.scales()[0]).isEqualTo(1f);
        assertThat(a.zeros()[0]).isEqualTo(3 - 8);
        // q = 0, 15, 3 (0.5 -> 0), 5 (1.5 -> 2), 1 (-2.5 -> -2)
        assertThat(a.codes()).containsExactly(-8, 7, -5, -3, -7);
    }

    @Test
    void asymmetricRangeAlwaysContainsZero() {
        // all positive: min is taken as 0, so z = 0 and s = 255/255 = 1
        float[] x = {255f, 100f, 127.5f};
        QuantizedActivations a = quantize(x, 1, 3, ActivationQuantizer.asymmetric(8));
        assertThat(a.scales()[0]).isEqualTo(1f);
        assertThat(a.zeros()[0]).isEqualTo(-128);
        assertThat(a.codes()).containsExactly(127, 100 - 128, 128 - 128);
        assertThat(a.fullNegativeRange()).isFalse();
    }

    @Test
    void clipRatioShrinksScaleAndClampsOutliers() {
        // s = 254·0.5/127 = 1; 254 clamps to 127 and -254 to -128
        float[] x = {254f, 100f, -254f, -127.5f};
        QuantizedActivations a = quantize(x, 1, 4, new ActivationQuantizer(8, true, 0.5f));
        assertThat(a.scales()[0]).isEqualTo(1f);
        assertThat(a.codes()).containsExactly(127, 100, -128, -128);
        assertThat(a.fullNegativeRange()).isTrue();
    }

    @Test
    void asymmetricClipRatioScalesZeroToo() {
        // min -51, max 204, clip 0.5 -> s = 255·0.5/255 = 0.5, z = rint(51·0.5/0.5) = 51
        float[] x = {-51f, 204f, 1f};
        QuantizedActivations a = quantize(x, 1, 3, new ActivationQuantizer(8, false, 0.5f));
        assertThat(a.scales()[0]).isEqualTo(0.5f);
        assertThat(a.zeros()[0]).isEqualTo(51 - 128);
        // q = clamp(rint(x/0.5) + 51, 0, 255) = clamp(-51, ..) = 0, clamp(459) = 255, 53
        assertThat(a.codes()).containsExactly(-128, 127, 53 - 128);
    }

    @Test
    void allZeroTokenGetsFiniteScaleAndZeroValues() {
        float[] x = {0f, 0f, 0f, 0f, 3f, -6f, 0f, 1.5f};
        for (ActivationQuantizer aq : new ActivationQuantizer[]{ActivationQuantizer.symmetric(8),
                ActivationQuantizer.asymmetric(8), ActivationQuantizer.symmetric(4), ActivationQuantizer.asymmetric(4)}) {
            QuantizedActivations a = quantize(x, 2, 2, aq);
            assertThat(a.scales()[0]).isPositive().isFinite();
            for (int i = 0; i < 4; i++) {
                assertThat(a.scales()[0] * (a.codes()[i] - a.zeros()[0])).isZero();
            }
            assertThat(a.sums()[0]).isEqualTo(2 * a.zeros()[0]);
        }
    }

    @Test
    void groupSumsAddCentredCodesPerGroup() {
        float[] x = {127f, 1f, 2f, 3f, -4f, 5f};
        QuantizedActivations a = quantize(x, 1, 2, ActivationQuantizer.symmetric(8));
        assertThat(a.sums()).containsExactly(128, 5, 1);
    }

    @Test
    void dequantizedValuesStayWithinHalfAStep() {
        java.util.Random rnd = new java.util.Random(7);
        int tokens = 5;
        int k = 64;
        float[] x = new float[tokens * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * (1 + i % 7);
        }
        for (ActivationQuantizer aq : new ActivationQuantizer[]{ActivationQuantizer.symmetric(8), ActivationQuantizer.asymmetric(8),
                ActivationQuantizer.symmetric(4), ActivationQuantizer.asymmetric(4)}) {
            QuantizedActivations a = quantize(x, tokens, 16, aq);
            for (int t = 0; t < tokens; t++) {
                float s = a.scales()[t];
                for (int i = 0; i < k; i++) {
                    float xh = s * (a.codes()[t * k + i] - a.zeros()[t]);
                    assertThat((double) Math.abs(xh - x[t * k + i])).isLessThanOrEqualTo(0.5 * s * 1.0001);
                }
            }
        }
    }

    @Test
    void nonFiniteActivationIsRejectedNamingTheToken() {
        float[] x = {1f, 2f, Float.NaN, 4f};
        assertThatThrownBy(() -> quantize(x, 2, 2, ActivationQuantizer.symmetric(8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token 1");
    }

    @Test
    void facadeRejectsShortInput() {
        assertThatThrownBy(() -> IntegerOps.quantizePerToken(new float[7], 2, 4, 4, ActivationQuantizer.symmetric(8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x has 7 floats");
    }
}
