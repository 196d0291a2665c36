package io.github.dllmquant.methods.smoothquant;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.synthetic.OutlierBlocks;
import io.github.dllmquant.methods.synthetic.RtnWeightActivation;
import io.github.dllmquant.methods.synthetic.SyntheticBlock;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SmoothQuantTest {

    private static final int TOKENS = 24;

    @Test
    void scalesFollowTheFormulaAndSmoothingKeepsTheBlockFunction() {
        List<float[]> xs = OutlierBlocks.inputs(4, TOKENS, 1);
        SyntheticBlock b = OutlierBlocks.block(7);
        List<float[]> ref = OutlierBlocks.outputs(b, xs, TOKENS);
        SmoothQuant sq = new SmoothQuant(SmoothQuant.Config.defaults());
        SmoothQuant.Scales scales = sq.calibrate(b, xs, TOKENS);
        assertThat(scales.scales().keySet()).containsExactlyInAnyOrder(GroupRole.QKV, GroupRole.GATE_UP);

        // recompute s_j for one channel by hand: amax over all tokens of the normed input, wmax over q, k, v
        int j = OutlierBlocks.OUTLIER_CHANNELS[1];
        double[] amaxHolder = {0};
        for (float[] x : xs) {
            b.forward(x, TOKENS, (g, in, t) -> {
                if (g == GroupRole.QKV) {
                    for (int r = 0; r < t; r++) {
                        amaxHolder[0] = Math.max(amaxHolder[0], Math.abs(in[r * 256 + j]));
                    }
                }
            });
        }
        double amax = amaxHolder[0];
        double wmax = 1e-5;
        for (LinearRole role : List.of(LinearRole.Q, LinearRole.K, LinearRole.V)) {
            float[] w = b.linear(role).effectiveWeight();
            for (int o = 0; o < b.linear(role).outFeatures(); o++) {
                wmax = Math.max(wmax, Math.abs(w[o * 256 + j]));
            }
        }
        double expected = Math.sqrt(amax) / Math.sqrt(wmax);
        assertThat((double) scales.scales().get(GroupRole.QKV)[j]).isCloseTo(expected, within(1e-5 * expected));

        float[] gammaBefore = b.normWeight(NormRole.ATTENTION);
        SmoothQuant.applySmoothing(b, scales);
        assertThat(b.normWeight(NormRole.ATTENTION)[j]).isCloseTo(gammaBefore[j] / scales.scales().get(GroupRole.QKV)[j],
                within(1e-6f));
        double err = OutlierBlocks.deltaError(xs, OutlierBlocks.outputs(b, xs, TOKENS), ref);
        assertThat(err).as("smoothing alone must not change the block").isLessThan(1e-4);
    }

    @Test
    void w8a8IsCloseToFullPrecisionAndRunsOnIntegerKernels() {
        List<float[]> xs = OutlierBlocks.inputs(4, TOKENS, 2);
        SyntheticBlock b = OutlierBlocks.block(8);
        List<float[]> ref = OutlierBlocks.outputs(b, xs, TOKENS);
        BlockReport report = new SmoothQuant(SmoothQuant.Config.defaults()).quantizeBlock(b, xs, TOKENS, ProgressListener.NONE);
        assertThat(report.layers()).hasSize(7);
        for (LinearRole role : LinearRole.values()) {
            assertThat(b.linear(role)).isInstanceOf(ActivationQuantizedLinear.class);
        }
        double err = OutlierBlocks.deltaError(xs, OutlierBlocks.outputs(b, xs, TOKENS), ref);
        double rtn = OutlierBlocks.errorOf(new RtnWeightActivation(8, ActivationQuantizer.symmetric(8)), 8, xs, TOKENS);
        System.out.printf("W8A8 block error: RTN %.4f, SmoothQuant %.4f%n", rtn, err);
        assertThat(err).as("W8A8 SmoothQuant block error").isLessThan(0.05).isLessThan(rtn);
    }

    @Test
    void w4a4SmoothQuantBeatsW4a4RtnOnPlantedOutliers() {
        List<float[]> xs = OutlierBlocks.inputs(4, TOKENS, 3);
        ActivationQuantizer a4 = ActivationQuantizer.symmetric(4);
        double rtn = OutlierBlocks.errorOf(new RtnWeightActivation(4, a4), 9, xs, TOKENS);
        double sq = OutlierBlocks.errorOf(new SmoothQuant(new SmoothQuant.Config(0.5, 4, a4)), 9, xs, TOKENS);
        System.out.printf("W4A4 block error: RTN %.4f, SmoothQuant %.4f%n", rtn, sq);
        assertThat(sq).isLessThan(0.8 * rtn);
    }
}
