package io.github.dllmquant.methods.quarot;

import io.github.dllmquant.core.hadamard.HadamardTransform;
import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.methods.BlockOutcome;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.synthetic.CountingBlock;
import io.github.dllmquant.methods.synthetic.RtnWeightActivation;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QuaRotTest {

    private static final int[] OUTLIERS = {3, 40};

    /** Residual channels 3 and 40 are 60x larger; q/k/v biases. */
    private static SyntheticModel model(int heads, int kvHeads, int headDim, int ff) {
        return new SyntheticModel(heads * headDim, heads, kvHeads, headDim, ff, 64, 2, true, OUTLIERS, 60f, false, 11);
    }

    /** The bundled tiny-llada's shape: d 256 (8 heads x 32), MLP 768 = 12·64 (non-power-of-two online Hadamard). */
    private static SyntheticModel tinyLladaShaped() {
        return model(8, 8, 32, 768);
    }

    private static void assertRotationKeepsLogits(SyntheticModel m) {
        List<int[]> seqs = SyntheticModel.sequences(3, 20, 64, 5);
        float[][] ref = new float[seqs.size()][];
        for (int i = 0; i < seqs.size(); i++) {
            ref[i] = m.logits(seqs.get(i));
        }
        new QuaRot(QuaRot.Config.defaults()).prepareModel(m, ProgressListener.NONE);
        for (int i = 0; i < seqs.size(); i++) {
            double err = SyntheticModel.relativeError(m.logits(seqs.get(i)), ref[i]);
            assertThat(err).as("relative logit change after rotation, sequence %d", i).isLessThan(1e-4);
        }
        // the norms are weight-free now and the online transforms are installed
        assertThat(m.block(0).normWeight(NormRole.FFN)).containsOnly(1f);
        assertThat(m.finalNormWeight()).containsOnly(1f);
        assertThat(m.block(1).linear(LinearRole.DOWN)).isInstanceOf(TransformedLinear.class);
        assertThat(m.block(1).linear(LinearRole.O)).isInstanceOf(TransformedLinear.class);
    }

    @Test
    void rotationWithoutQuantizationKeepsTheModelFunction() {
        assertRotationKeepsLogits(model(8, 8, 16, 384));
    }

    @Test
    void rotationUnderGqaAndWithoutAHeadHadamardKeepsTheModelFunction() {
        assertRotationKeepsLogits(model(8, 2, 16, 256));   // GQA: v has 2 heads, o sees 8
        SyntheticModel six = model(6, 2, 16, 384);          // 6 heads: o falls back to a full H_96 = H_12 ⊗ H_8
        assertRotationKeepsLogits(six);
        assertThat(((TransformedLinear) six.block(0).linear(LinearRole.O)).transform().describe())
                .isEqualTo("hadamard 12x8");
    }

    @Test
    void blockOutputsLiveInTheRotatedBasis() {
        SyntheticModel fp = model(8, 8, 16, 384);
        SyntheticModel rot = model(8, 8, 16, 384);
        new QuaRot(QuaRot.Config.defaults()).prepareModel(rot, ProgressListener.NONE);
        HadamardTransform q = HadamardTransform.randomSigned(128, 0);
        int[] ids = SyntheticModel.sequences(1, 16, 64, 9).get(0);
        float[] x = fp.embed(ids);
        float[] y = fp.block(0).forward(x, 16, ActivationObserver.NONE);
        float[] yr = rot.block(0).forward(rot.embed(ids), 16, ActivationObserver.NONE);
        q.apply(y, 16);
        assertThat(SyntheticModel.relativeError(yr, y)).isLessThan(1e-4);
    }

    private static double logitError(SyntheticModel quantized, SyntheticModel reference, List<int[]> eval) {
        double sum = 0;
        for (int[] ids : eval) {
            sum += SyntheticModel.relativeError(quantized.logits(ids), reference.logits(ids));
        }
        return sum / eval.size();
    }

    @Test
    void w4a4QuaRotBeatsRtnAndW8a8IsCloseToFullPrecision() {
        List<int[]> calib = SyntheticModel.sequences(4, 24, 64, 1);
        List<int[]> eval = SyntheticModel.sequences(4, 24, 64, 2);
        SyntheticModel ref = tinyLladaShaped();

        SyntheticModel rtn4 = tinyLladaShaped();
        rtn4.quantize(new RtnWeightActivation(4, ActivationQuantizer.symmetric(4)), calib);
        SyntheticModel quarot4 = tinyLladaShaped();
        quarot4.quantize(new QuaRot(QuaRot.Config.of(4, 4)), calib);
        SyntheticModel quarotRtn4 = tinyLladaShaped();
        quarotRtn4.quantize(new QuaRot(QuaRot.Config.of(4, 4).withWeights(QuaRot.WeightAlgorithm.RTN)), calib);
        double eRtn4 = logitError(rtn4, ref, eval);
        double eQuarot4 = logitError(quarot4, ref, eval);
        double eQuarotRtn4 = logitError(quarotRtn4, ref, eval);

        SyntheticModel rtn8 = tinyLladaShaped();
        rtn8.quantize(new RtnWeightActivation(8, ActivationQuantizer.symmetric(8)), calib);
        SyntheticModel quarot8 = tinyLladaShaped();
        quarot8.quantize(new QuaRot(QuaRot.Config.of(8, 8)), calib);
        double eRtn8 = logitError(rtn8, ref, eval);
        double eQuarot8 = logitError(quarot8, ref, eval);
        System.out.printf("logit error W4A4: RTN %.4f QuaRot-RTN %.4f QuaRot-GPTQ %.4f; W8A8: RTN %.4f QuaRot %.4f%n",
                eRtn4, eQuarotRtn4, eQuarot4, eRtn8, eQuarot8);

        for (LinearRole role : LinearRole.values()) {
            assertThat(quarot4.block(1).linear(role)).isInstanceOf(ActivationQuantizedLinear.class);
        }
        assertThat(eQuarotRtn4).isLessThan(0.65 * eRtn4);
        assertThat(eQuarot4).isLessThan(0.65 * eRtn4);
        assertThat(eQuarot8).isLessThan(0.02);
    }

    @Test
    void weightOnlyQuaRotUsesWeightOnlyKernelsWithTheOnlineTransforms() {
        List<int[]> calib = SyntheticModel.sequences(2, 16, 64, 1);
        SyntheticModel ref = model(8, 8, 16, 384);
        SyntheticModel m = model(8, 8, 16, 384);
        m.quantize(new QuaRot(QuaRot.Config.weightOnly(8, 32)), calib);
        assertThat(m.block(0).linear(LinearRole.DOWN)).isInstanceOf(WeightOnlyLinear.class);
        assertThat(m.block(0).linear(LinearRole.DOWN).format()).contains("hadamard");
        double err = logitError(m, ref, SyntheticModel.sequences(2, 16, 64, 3));
        assertThat(err).as("W8A16 g32 QuaRot").isLessThan(0.01);
    }

    @ParameterizedTest
    @EnumSource(QuaRot.WeightAlgorithm.class)
    void resumableAndRerunningCalibrationGiveTheSameBits(QuaRot.WeightAlgorithm algorithm) {
        QuaRot.Config config = new QuaRot.Config(4, -1, algorithm, false, ActivationQuantizer.symmetric(8), 0, false);
        QuaRot kept = new QuaRot(config);
        QuaRot rerunning = new QuaRot(config, 0);
        SyntheticModel a = model(8, 2, 16, 256);
        SyntheticModel b = model(8, 2, 16, 256);
        kept.prepareModel(a, ProgressListener.NONE);
        rerunning.prepareModel(b, ProgressListener.NONE);
        List<float[]> inputs = new ArrayList<>();
        for (int[] ids : SyntheticModel.sequences(3, 16, 64, 4)) {
            inputs.add(a.embed(ids));
        }
        CountingBlock staged = new CountingBlock(a.block(0));
        CountingBlock rerun = new CountingBlock(b.block(0));

        BlockOutcome fromStages = kept.quantizeBlockWithOutputs(staged, inputs, 16, ProgressListener.NONE);
        BlockOutcome fromForwards = rerunning.quantizeBlockWithOutputs(rerun, inputs, 16, ProgressListener.NONE);

        // every part of the block runs once per sequence; the re-running path runs the whole block per group
        int groups = staged.groups().size();
        assertThat(staged.forwards).isZero();
        assertThat(staged.advances).isEqualTo(groups * inputs.size());
        assertThat(rerun.forwards).isEqualTo(algorithm == QuaRot.WeightAlgorithm.GPTQ ? groups * inputs.size() : groups);
        assertThat(fromForwards.outputs()).isNull();
        for (LinearRole role : LinearRole.values()) {
            assertThat(staged.linear(role).effectiveWeight()).as("%s weight", role)
                    .containsExactly(rerun.linear(role).effectiveWeight());
        }
        assertThat(fromStages.report().layers()).extracting(BlockReport.LayerReport::loss)
                .containsExactlyElementsOf(fromForwards.report().layers().stream().map(BlockReport.LayerReport::loss).toList());
        // the outputs handed to the calibrator are the quantized block's forward, bit for bit
        assertThat(fromStages.outputs()).hasSameSizeAs(inputs);
        for (int s = 0; s < inputs.size(); s++) {
            assertThat(fromStages.outputs().get(s)).containsExactly(rerun.forward(inputs.get(s), 16, ActivationObserver.NONE));
        }
    }
}
