package io.github.dllmquant.methods.awq;

import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AwqTest {

    @Test
    void clipSearchMatchesTheTokenLoopDefinition() {
        Random r = new Random(2);
        int out = 5, in = 16, g = 8, tokens = 40;
        float[] W = SyntheticModel.gaussian(r, out * in, 1f);
        List<float[]> x = List.of(SyntheticModel.gaussian(r, tokens * in, 1f), SyntheticModel.gaussian(r, tokens * in, 1f));
        WeightQuantizer grid = new WeightQuantizer(3, g, false, WeightQuantizer.Grid.AWQ, false);
        Awq awq = new Awq(grid, null, 20, true);
        float[] got = W.clone();
        awq.searchAndApplyClip(got, out, in, x, tokens);

        // direct: every token (80 < 512, stride 1), err = mean_t (Σ_k x_k (Q(clamp w)_k − w_k))²
        float[] want = W.clone();
        for (int row = 0; row < out; row++) {
            for (int c0 = 0; c0 < in; c0 += g) {
                float m0 = 0;
                for (int k = 0; k < g; k++) {
                    m0 = Math.max(m0, Math.abs(W[row * in + c0 + k]));
                }
                double best = Double.POSITIVE_INFINITY;
                float bestM = m0;
                for (int i = 0; i < 10; i++) {
                    float m = m0 * (1f - i / 20f);
                    float[] c = new float[g];
                    for (int k = 0; k < g; k++) {
                        c[k] = Math.max(-m, Math.min(m, W[row * in + c0 + k]));
                    }
                    float[] q = grid.quantize(c, 1, g).dequantize();
                    double err = 0;
                    for (float[] xi : x) {
                        for (int t = 0; t < tokens; t++) {
                            double d = 0;
                            for (int k = 0; k < g; k++) {
                                d += xi[t * in + c0 + k] * ((double) q[k] - W[row * in + c0 + k]);
                            }
                            err += d * d;
                        }
                    }
                    err /= 2.0 * tokens;
                    if (err < best) {
                        best = err;
                        bestM = m;
                    }
                }
                for (int k = 0; k < g; k++) {
                    want[row * in + c0 + k] = Math.max(-bestM, Math.min(bestM, W[row * in + c0 + k]));
                }
            }
        }
        assertThat(got).containsExactly(want, within(0f));
        assertThat(got).isNotEqualTo(W); // some groups were clipped: the comparison is not vacuous
    }
}
