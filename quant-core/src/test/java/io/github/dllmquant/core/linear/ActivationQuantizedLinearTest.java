package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.kernels.integer.IntegerOps;
import io.github.dllmquant.core.kernels.integer.QuantizedActivations;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ActivationQuantizedLinearTest {

    /** Random codes, integer zeros and positive scales: any grid the methods can produce. */
    static QuantizedWeight randomWeight(Random rnd, int out, int in, int bits, int groupSize, boolean symmetric) {
        int groups = in / groupSize;
        int maxq = (1 << bits) - 1;
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) rnd.nextInt(maxq + 1);
        }
        // the extremes must occur: 0 and maxq
        codes[0] = 0;
        codes[codes.length - 1] = (byte) maxq;
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int j = 0; j < scales.length; j++) {
            scales[j] = 0.001f + rnd.nextFloat() * 0.05f;
            zeros[j] = symmetric ? (1 << (bits - 1)) : rnd.nextInt(maxq + 1);
        }
        return new QuantizedWeight(out, in, bits, groupSize, symmetric, codes, scales, zeros);
    }

    static float[] randomActivations(Random rnd, int tokens, int in) {
        float[] x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() + (i % 17 == 0 ? 20f : 0f);
        }
        return x;
    }

    /** y computed in double from the dequantized weight and the dequantized activations. */
    static void assertMatchesDequantizedReference(ActivationQuantizedLinear layer, float[] x, int tokens, float[] bias) {
        QuantizedWeight w = layer.weight();
        int in = w.in();
        int out = w.out();
        float[] input = x.clone();
        if (layer.transform() != null) {
            layer.transform().apply(input, tokens);
        }
        QuantizedActivations a = IntegerOps.quantizePerToken(input, tokens, in, w.groupSize(), layer.activationQuantizer());
        float[] y = new float[tokens * out];
        layer.forward(x, tokens, y);
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                double ref = bias == null ? 0 : bias[o];
                double magnitude = Math.abs(ref);
                for (int i = 0; i < in; i++) {
                    double xa = (double) a.scales()[t] * (a.codes()[t * in + i] - a.zeros()[t]);
                    double term = xa * w.dequantize(o, i);
                    ref += term;
                    magnitude += Math.abs(term);
                }
                // float rounding of the per-group products and the group sum
                double tol = 1e-5 * magnitude + 1e-30;
                assertThat((double) y[t * out + o]).as("y[%d][%d]", t, o).isCloseTo(ref, org.assertj.core.data.Offset.offset(tol));
            }
        }
    }

    @Test
    void matchesDoubleReferenceForEveryWeightWidth() {
        Random rnd = new Random(42);
        for (int bits = 2; bits <= 8; bits++) {
            for (boolean sym : new boolean[]{true, false}) {
                QuantizedWeight w = randomWeight(rnd, 7, 48, bits, 16, sym);
                for (ActivationQuantizer aq : new ActivationQuantizer[]{ActivationQuantizer.symmetric(8),
                        ActivationQuantizer.asymmetric(8), ActivationQuantizer.symmetric(4),
                        new ActivationQuantizer(4, false, 0.9f)}) {
                    float[] bias = bits % 2 == 0 ? null : randomActivations(rnd, 1, 7);
                    ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, bias, aq, null);
                    assertMatchesDequantizedReference(layer, randomActivations(rnd, 5, 48), 5, bias);
                }
            }
        }
    }

    @Test
    void perChannelAndOddGroupCounts() {
        Random rnd = new Random(3);
        for (int groupSize : new int[]{13 * 8, 8, 104 / 13}) {
            QuantizedWeight w = randomWeight(rnd, 3, 104, 8, groupSize, true);
            ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, null, ActivationQuantizer.symmetric(8), null);
            assertMatchesDequantizedReference(layer, randomActivations(rnd, 13, 104), 13, null);
        }
    }

    @Test
    void tinyHandComputedCase() {
        // W (1x2, 8-bit sym, zero 128): codes 129, 126 -> values s·(1, -2) with s = 0.5 -> (0.5, -1)
        QuantizedWeight w = new QuantizedWeight(1, 2, 8, 2, true, new byte[]{(byte) 129, (byte) 126},
                new float[]{0.5f}, new float[]{128f});
        ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, new float[]{0.25f}, ActivationQuantizer.symmetric(8), null);
        // x = (127, -63.5): s = 1, codes (127, -64) (tie to even); y = 0.5·127 + (-1)·(-64) + 0.25 = 127.75
        float[] y = new float[1];
        layer.forward(new float[]{127f, -63.5f}, 1, y);
        assertThat(y[0]).isEqualTo(127.75f);
    }

    @Test
    void allZeroTokenGivesBiasOnly() {
        Random rnd = new Random(5);
        QuantizedWeight w = randomWeight(rnd, 4, 32, 4, 32, false);
        float[] bias = {1f, -2f, 3f, 0.5f};
        ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, bias, ActivationQuantizer.asymmetric(8), null);
        float[] y = new float[4];
        layer.forward(new float[32], 1, y);
        assertThat(y).containsExactly(bias);
    }

    @Test
    void transformIsAppliedToACopyAndFoldedIntoEffectiveWeight() {
        Random rnd = new Random(9);
        int in = 16;
        QuantizedWeight w = randomWeight(rnd, 5, in, 4, 8, true);
        InputTransform reverseNegate = new InputTransform() {
            @Override public int width() { return in; }
            @Override public void apply(float[] x, int tokens) {
                for (int t = 0; t < tokens; t++) {
                    for (int i = 0; i < in / 2; i++) {
                        float a = x[t * in + i];
                        x[t * in + i] = -x[t * in + in - 1 - i];
                        x[t * in + in - 1 - i] = a;
                    }
                }
            }
            @Override public long parameterBytes() { return 0; }
            @Override public String describe() { return "reverse-negate"; }
        };
        ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, null, ActivationQuantizer.symmetric(8), reverseNegate);
        float[] x = randomActivations(rnd, 3, in);
        float[] before = x.clone();
        assertMatchesDequantizedReference(layer, x, 3, null);
        assertThat(x).containsExactly(before);
        // x·W_effᵀ = T(x)·Ŵᵀ in exact arithmetic
        float[] eff = layer.effectiveWeight();
        float[] tx = x.clone();
        reverseNegate.apply(tx, 3);
        float[] wd = w.dequantize();
        for (int t = 0; t < 3; t++) {
            for (int o = 0; o < 5; o++) {
                double a = 0;
                double b = 0;
                for (int i = 0; i < in; i++) {
                    a += (double) x[t * in + i] * eff[o * in + i];
                    b += (double) tx[t * in + i] * wd[o * in + i];
                }
                assertThat(a).isCloseTo(b, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        assertThat(layer.format()).isEqualTo("w4a8 g8 sym, act sym, reverse-negate");
    }

    /** q/k/v-style linears reading one input: quantized once, each layer's GEMM on it gives its own forward exactly. */
    @Test
    void oneQuantizedInputFeedsEveryLayerThatSharesIt() {
        Random rnd = new Random(21);
        int in = 32;
        int tokens = 5;
        InputTransform negate = new InputTransform() {
            @Override public int width() { return in; }
            @Override public void apply(float[] x, int t) {
                for (int i = 0; i < t * in; i++) {
                    x[i] = -x[i];
                }
            }
            @Override public long parameterBytes() { return 0; }
            @Override public String describe() { return "negate"; }
        };
        ActivationQuantizer aq = new ActivationQuantizer(8, false, 0.9f);
        ActivationQuantizedLinear q = ActivationQuantizedLinear.of(randomWeight(rnd, 6, in, 4, 8, false), null, aq, negate);
        ActivationQuantizedLinear k = ActivationQuantizedLinear.of(randomWeight(rnd, 3, in, 8, 8, true), new float[]{1f, 2f, 3f},
                aq, negate);
        assertThat(q.sharesInputWith(k)).isTrue();
        float[] x = randomActivations(rnd, tokens, in);
        float[] before = x.clone();
        QuantizedActivations shared = q.quantizeInput(x, tokens);
        assertThat(x).containsExactly(before);
        for (ActivationQuantizedLinear layer : new ActivationQuantizedLinear[]{q, k}) {
            float[] expected = new float[tokens * layer.outFeatures()];
            layer.forward(x, tokens, expected);
            float[] actual = new float[tokens * layer.outFeatures()];
            layer.forwardQuantized(shared, actual);
            assertThat(actual).containsExactly(expected);
        }
        // another transform instance, another activation grid or another weight group: not the same input
        assertThat(q.sharesInputWith(ActivationQuantizedLinear.of(q.weight(), null, aq, null))).isFalse();
        assertThat(q.sharesInputWith(ActivationQuantizedLinear.of(q.weight(), null, ActivationQuantizer.symmetric(8), negate))).isFalse();
        ActivationQuantizedLinear grouped16 = ActivationQuantizedLinear.of(randomWeight(rnd, 2, in, 4, 16, true), null, aq, negate);
        assertThat(q.sharesInputWith(grouped16)).isFalse();
        assertThatThrownBy(() -> grouped16.forwardQuantized(shared, new float[tokens * 2]))
                .hasMessageContaining("group 8").hasMessageContaining("group 16");
    }

    @Test
    void accessorsReturnTheSettingsForPersistence() {
        Random rnd = new Random(1);
        QuantizedWeight w = randomWeight(rnd, 2, 8, 8, 8, true);
        ActivationQuantizer aq = new ActivationQuantizer(4, false, 0.9f);
        ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, new float[]{1f, 2f}, aq, null);
        // rebuilt from the kernel layout, not the object passed in (ActivationQuantizedLinearWeightTest covers every layout)
        ActivationQuantizedLinearWeightTest.assertEqualFieldByField(layer.weight(), w);
        assertThat(layer.activationQuantizer()).isEqualTo(aq);
        assertThat(layer.transform()).isNull();
        assertThat(layer.bias()).containsExactly(1f, 2f);
        assertThat(layer.format()).isEqualTo("w8a4 per-channel sym, act asym clip 0.9");
    }

    @Test
    void rejectsBadArguments() {
        Random rnd = new Random(1);
        QuantizedWeight w = randomWeight(rnd, 2, 8, 8, 8, true);
        assertThatThrownBy(() -> ActivationQuantizedLinear.of(w, new float[3], ActivationQuantizer.symmetric(8), null))
                .hasMessageContaining("bias has 3 values, expected out = 2");
        ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, null, ActivationQuantizer.symmetric(8), null);
        assertThatThrownBy(() -> layer.forward(new float[15], 2, new float[4])).hasMessageContaining("x has 15 floats");
        QuantizedWeight fractional = new QuantizedWeight(1, 2, 4, 2, false, new byte[2], new float[]{1f}, new float[]{2.5f});
        assertThatThrownBy(() -> ActivationQuantizedLinear.of(fractional, null, ActivationQuantizer.symmetric(8), null))
                .hasMessageContaining("zeros[0] = 2.5");
    }
}
