package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.kernels.PackedQuantizedWeights;
import io.github.dllmquant.core.quant.QuantizedWeight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** WeightOnlyLinear against the dequantized weight run through a double-precision reference, and by hand. */
class WeightOnlyLinearTest {

    static QuantizedWeight randomWeight(Random rnd, int out, int in, int bits, int groupSize, boolean symmetric) {
        int groups = in / groupSize;
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) rnd.nextInt(1 << bits);
        }
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.01f + rnd.nextFloat() * 0.05f;
            zeros[i] = symmetric ? (1 << (bits - 1)) : rnd.nextInt(1 << bits);
        }
        return new QuantizedWeight(out, in, bits, groupSize, symmetric, codes, scales, zeros);
    }

    static float[] reference(float[] w, float[] bias, float[] x, int tokens, int out, int in) {
        float[] y = new float[tokens * out];
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    acc += (double) x[t * in + i] * w[o * in + i];
                }
                y[t * out + o] = (float) acc;
            }
        }
        return y;
    }

    static void assertCloseScaled(float[] expected, float[] actual, int in) {
        float tol = 2e-6f * in + 1e-5f;
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("index %d", i).isCloseTo(expected[i], within(tol * Math.max(1f, Math.abs(expected[i]))));
        }
    }

    @ParameterizedTest
    @CsvSource({"2,32,1,13", "3,64,3,7", "4,128,13,5", "4,96,1,1", "8,24,4,3", "5,40,2,9", "6,207,3,4", "4,702,1,2"})
    void matchesDequantizedReference(int bits, int groupSize, int tokens, int groupsPerRow) {
        Random rnd = new Random(bits * 1000 + groupSize);
        int in = groupSize * groupsPerRow;
        int out = 11;
        QuantizedWeight qw = randomWeight(rnd, out, in, bits, groupSize, bits % 2 == 0);
        float[] bias = new float[out];
        for (int o = 0; o < out; o++) {
            bias[o] = rnd.nextFloat() - 0.5f;
        }
        float[] x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[tokens * out];
        WeightOnlyLinear layer = WeightOnlyLinear.of(qw, bias, null);
        layer.forward(x, tokens, y);
        assertCloseScaled(reference(qw.dequantize(), bias, x, tokens, out, in), y, in);
        assertThat(layer.effectiveWeight()).containsExactly(qw.dequantize());
    }

    @Test
    void byHand() {
        // 2 rows x 4 columns, 2 bits, group 2: row 0 codes 0 1 | 2 3, scales 1 | 0.5, zeros 1 | 2
        //   dequantized row 0 = [-1, 0 | 0, 0.5]; row 1 codes 3 3 | 0 0, scales 2 | 1, zeros 0 | 1 -> [6, 6 | -1, -1]
        QuantizedWeight qw = new QuantizedWeight(2, 4, 2, 2, false,
                new byte[]{0, 1, 2, 3, 3, 3, 0, 0}, new float[]{1, 0.5f, 2, 1}, new float[]{1, 2, 0, 1});
        WeightOnlyLinear layer = WeightOnlyLinear.of(qw, new float[]{10, 0}, null);
        float[] y = new float[2];
        layer.forward(new float[]{1, 2, 3, 4}, 1, y);
        assertThat(y[0]).isEqualTo(10 - 1 + 2f);      // -1 + 0.5·4 + 10
        assertThat(y[1]).isEqualTo(6 + 12 - 3 - 4f); // 6·1 + 6·2 − 3 − 4
        assertThat(layer.format()).isEqualTo("w2a16 g2 asym");
        assertThat(layer.parameterBytes()).isEqualTo(PackedQuantizedWeights.pack(qw, Arena.ofAuto()).byteSize() + 2 * 4);
        assertThat(layer.quantizedWeight().codes()).containsExactly(qw.codes());
        assertThat(layer.quantizedWeight().zeros()).containsExactly(qw.zeros());
    }

    /** Reverses the order of each token's features: an orthogonal permutation. */
    private record Reverse(int width) implements InputTransform {
        @Override
        public void apply(float[] x, int tokens) {
            for (int t = 0; t < tokens; t++) {
                for (int i = 0, j = width - 1; i < j; i++, j--) {
                    float tmp = x[t * width + i];
                    x[t * width + i] = x[t * width + j];
                    x[t * width + j] = tmp;
                }
            }
        }

        @Override
        public long parameterBytes() {
            return 0;
        }

        @Override
        public String describe() {
            return "reverse";
        }
    }

    @Test
    void transformAppliesToACopyAndFoldsIntoEffectiveWeight() {
        Random rnd = new Random(5);
        int in = 64;
        int out = 3;
        QuantizedWeight qw = randomWeight(rnd, out, in, 4, 32, true);
        WeightOnlyLinear layer = WeightOnlyLinear.of(qw, null, new Reverse(in));
        float[] x = new float[2 * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] xCopy = x.clone();
        float[] y = new float[2 * out];
        layer.forward(x, 2, y);
        assertThat(x).containsExactly(xCopy);
        float[] reversed = x.clone();
        new Reverse(in).apply(reversed, 2);
        assertCloseScaled(reference(qw.dequantize(), null, reversed, 2, out, in), y, in);
        // effective weight applied to the untransformed x gives the same output
        assertCloseScaled(reference(layer.effectiveWeight(), null, x, 2, out, in), y, in);
        assertThat(layer.format()).isEqualTo("w4a16 g32 sym +reverse");
    }

    @Test
    void rejectsMismatchedShapes() {
        QuantizedWeight qw = randomWeight(new Random(1), 2, 8, 4, 8, true);
        assertThatThrownBy(() -> WeightOnlyLinear.of(qw, new float[3], null)).hasMessageContaining("bias has 3");
        assertThatThrownBy(() -> WeightOnlyLinear.of(qw, null, new Reverse(7))).hasMessageContaining("transform width 7");
        WeightOnlyLinear layer = WeightOnlyLinear.of(qw, null, null);
        assertThatThrownBy(() -> layer.forward(new float[15], 2, new float[4])).hasMessageContaining("x has 15");
    }
}
