package io.github.dllmquant.methods;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.gptq.GptqMethod;
import io.github.dllmquant.methods.gptq.GptqSettings;
import io.github.dllmquant.methods.synthetic.CountingBlock;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPTQ's resumable sequential forward (one kept {@link BlockStage} per sequence, advanced once per group)
 * against the streaming path that re-runs the block from its input for every group: the same Hessians (the
 * reported GPTQ losses are functions of them), the same quantized weights, the same block outputs, while the
 * resumable path never runs the whole block.
 */
class GptqResumableForwardTest {

    private static GptqMethod gptq(boolean w8a8, long stageBudget) {
        WeightQuantizer grid = w8a8 ? WeightQuantizer.of(8, -1, true) : WeightQuantizer.of(4, 32, true);
        ActivationQuantizer act = w8a8 ? new ActivationQuantizer(8, true, 1f) : null;
        return new GptqMethod(GptqSettings.of(grid), act, true, stageBudget);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void resumableAndRerunningPathsGiveTheSameBlock(boolean w8a8) {
        SyntheticModel resumedModel = CalibratorTest.model(true);
        SyntheticModel rerunModel = CalibratorTest.model(true);
        List<float[]> inputs = new ArrayList<>();
        for (int[] ids : CalibratorTest.windows(6, 3)) {
            inputs.add(resumedModel.embed(ids));
        }
        int tokens = CalibratorTest.TOKENS;
        CountingBlock resumed = new CountingBlock(resumedModel.block(0));
        CountingBlock rerun = new CountingBlock(rerunModel.block(0));

        BlockOutcome a = gptq(w8a8, Long.MAX_VALUE).quantizeBlockWithOutputs(resumed, inputs, tokens, ProgressListener.NONE);
        BlockOutcome b = gptq(w8a8, 0).quantizeBlockWithOutputs(rerun, inputs, tokens, ProgressListener.NONE);

        // the resumable path runs every group once per sequence and never the whole block
        assertThat(resumed.forwards).isZero();
        assertThat(resumed.advances).isEqualTo(4 * inputs.size());
        assertThat(rerun.forwards).isEqualTo(4 * inputs.size());
        assertThat(b.outputs()).isNull();

        List<BlockReport.LayerReport> la = a.report().layers();
        List<BlockReport.LayerReport> lb = b.report().layers();
        assertThat(la).hasSize(LinearRole.values().length).hasSameSizeAs(lb);
        for (int i = 0; i < la.size(); i++) {
            assertThat(la.get(i).name()).isEqualTo(lb.get(i).name());
            assertThat(la.get(i).loss()).as(la.get(i).name()).isPositive().isCloseTo(lb.get(i).loss(),
                    org.assertj.core.data.Percentage.withPercentage(1e-4));
        }
        for (LinearRole role : LinearRole.values()) {
            float[] wa = resumed.linear(role).effectiveWeight();
            float[] wb = rerun.linear(role).effectiveWeight();
            assertThat(maxAbsDiff(wa, wb)).as("%s weight", role).isLessThanOrEqualTo(1e-6f);
        }
        // the outputs handed to the calibrator are the quantized block's outputs
        assertThat(a.outputs()).hasSize(inputs.size());
        for (int s = 0; s < inputs.size(); s++) {
            float[] expected = rerun.forward(inputs.get(s), tokens, ActivationObserver.NONE);
            assertThat(maxAbsDiff(a.outputs().get(s), expected)).isLessThanOrEqualTo(1e-5f);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void calibratorResultIsTheSameWithAndWithoutKeptStages(boolean w8a8) {
        SyntheticModel resumed = CalibratorTest.model(true);
        SyntheticModel rerun = CalibratorTest.model(true);
        List<int[]> windows = CalibratorTest.windows(8, 1);
        QuantizationReport ra = Calibrator.quantize(resumed, gptq(w8a8, Long.MAX_VALUE), "resumable", windows, ProgressListener.NONE);
        QuantizationReport rb = Calibrator.quantize(rerun, gptq(w8a8, 0), "rerunning", windows, ProgressListener.NONE);
        for (int blk = 0; blk < CalibratorTest.LAYERS; blk++) {
            for (LinearRole role : LinearRole.values()) {
                assertThat(maxAbsDiff(resumed.block(blk).linear(role).effectiveWeight(),
                        rerun.block(blk).linear(role).effectiveWeight())).as("block %d %s", blk, role).isLessThanOrEqualTo(1e-6f);
            }
            for (int i = 0; i < ra.blocks().get(blk).layers().size(); i++) {
                assertThat(ra.blocks().get(blk).layers().get(i).loss())
                        .isCloseTo(rb.blocks().get(blk).layers().get(i).loss(), org.assertj.core.data.Percentage.withPercentage(1e-4));
            }
        }
        assertThat(CalibratorTest.hiddenError(resumed, rerun)).isLessThan(1e-10);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void stageWalkReproducesTheForwardAndItsGroupInputs(int blockIndex) {
        SyntheticModel model = CalibratorTest.model(true);
        QuantizableBlock block = model.block(blockIndex);
        float[] x = model.embed(CalibratorTest.windows(1, 9).getFirst());
        int tokens = CalibratorTest.TOKENS;
        Map<GroupRole, float[]> observed = new EnumMap<>(GroupRole.class);
        float[] y = block.forward(x, tokens, (g, in, t) -> observed.put(g, in.clone()));
        float[] xBefore = x.clone();
        BlockStage stage = block.beginStage(x, tokens);
        for (LinearGroup group : block.groups()) {
            assertThat(stage.next()).isEqualTo(group.role());
            assertThat(stage.groupInput()).as("%s input", group.role()).containsExactly(observed.get(group.role()));
            stage = block.advance(stage);
        }
        assertThat(stage.done()).isTrue();
        assertThat(stage.residual()).containsExactly(y);
        assertThat(x).containsExactly(xBefore);
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
