package io.github.dllmquant.methods.gptq;

import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HessianAccumulatorTest {

    @Test
    void hessianIsTwoOverSequenceCountTimesTheSumOfOuterProducts() {
        Random r = new Random(4);
        int in = 37;
        int[] lengths = {300, 450, 7}; // crosses the 512-token chunk
        HessianAccumulator acc = new HessianAccumulator(in);
        double[] want = new double[in * in];
        for (int len : lengths) {
            float[] x = SyntheticModel.gaussian(r, len * in, 1f);
            acc.addSequence(x, len);
            for (int t = 0; t < len; t++) {
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < in; j++) {
                        want[i * in + j] += (double) x[t * in + i] * x[t * in + j];
                    }
                }
            }
        }
        float[] h = acc.hessian();
        assertThat(acc.sequences()).isEqualTo(3);
        assertThat(acc.tokens()).isEqualTo(757);
        for (int k = 0; k < h.length; k++) {
            assertThat((double) h[k]).isCloseTo(2.0 / 3 * want[k], within(1e-3 + 1e-5 * Math.abs(want[k])));
        }
    }
}
