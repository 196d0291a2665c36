package io.github.dllmquant.methods;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CalibratorTest {

    static final int HIDDEN = 64, HEADS = 4, FF = 128, VOCAB = 64, LAYERS = 2, TOKENS = 32;

    static SyntheticModel model(boolean outliers) {
        return SyntheticModel.withNormGainOutliers(HIDDEN, HEADS, HEADS, FF, VOCAB, LAYERS, outliers, 42);
    }

    static List<int[]> windows(int n, long seed) {
        Random r = new Random(seed);
        List<int[]> w = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            w.add(r.ints(TOKENS, 0, VOCAB - 1).toArray());
        }
        return w;
    }

    /** Mean squared difference of the final hidden states on held-out windows. */
    static double hiddenError(SyntheticModel quantized, SyntheticModel fp) {
        double e = 0;
        long n = 0;
        for (int[] ids : windows(8, 777)) {
            float[] a = quantized.hidden(ids);
            float[] b = fp.hidden(ids);
            for (int i = 0; i < a.length; i++) {
                e += (double) (a[i] - b[i]) * (a[i] - b[i]);
            }
            n += a.length;
        }
        return e / n;
    }

    static double quantizedError(Recipe recipe) {
        SyntheticModel m = model(true);
        Calibrator.quantize(m, recipe.build(), recipe.toString(), windows(16, 1), ProgressListener.NONE);
        return hiddenError(m, model(true));
    }

    @Test
    void gptqAndAwqBeatRtnOnAModelWithPlantedOutliers() {
        double rtn = quantizedError(Recipe.rtn().scheme("w3a16g32"));
        double gptq = quantizedError(Recipe.gptq().scheme("w3a16g32"));
        double awqVsRtn = quantizedError(Recipe.rtn().scheme("w3a16g32").symmetric(false)
                .grid(io.github.dllmquant.core.quant.WeightQuantizer.Grid.AWQ));
        double awq = quantizedError(Recipe.awq().scheme("w3a16g32"));
        assertThat(rtn).isPositive();
        assertThat(gptq).isLessThan(0.8 * rtn);
        // AWQ against RTN on AWQ's own grid, so the comparison isolates the scaling and clipping
        assertThat(awq).isLessThan(0.8 * awqVsRtn);
    }

    @Test
    void everyLinearIncludingQkvRunsOnTheQuantizedKernelsAndReportsALoss() {
        SyntheticModel m = model(true);
        QuantizationReport report = Calibrator.quantize(m, Recipe.gptq().scheme("w4a16g32").build(), "gptq",
                windows(8, 1), ProgressListener.NONE);
        assertThat(report.blocks()).hasSize(LAYERS);
        for (int b = 0; b < LAYERS; b++) {
            QuantizableBlock block = m.block(b);
            for (LinearRole role : LinearRole.values()) {
                assertThat(block.linear(role)).as("%s", role).isInstanceOf(WeightOnlyLinear.class);
            }
            assertThat(report.blocks().get(b).layers()).extracting(BlockReport.LayerReport::name)
                    .containsExactly("blocks." + b + ".q", "blocks." + b + ".k", "blocks." + b + ".v", "blocks." + b + ".o",
                            "blocks." + b + ".gate", "blocks." + b + ".up", "blocks." + b + ".down");
            assertThat(report.blocks().get(b).layers()).allSatisfy(l -> {
                assertThat(l.loss()).isPositive();
                assertThat(l.millis()).isGreaterThanOrEqualTo(0);
            });
        }
        assertThat(m.lmHead()).isInstanceOf(DenseLinear.class);
    }

    @Test
    void w8a8RoundToNearestRunsOnIntegerKernelsAndStaysCloseToFullPrecision() {
        SyntheticModel m = model(false);
        Recipe recipe = Recipe.rtn().scheme("w8a8");
        Calibrator.quantize(m, recipe.build(), recipe.toString(), windows(4, 1), ProgressListener.NONE);
        assertThat(m.block(0).linear(LinearRole.DOWN)).isInstanceOf(ActivationQuantizedLinear.class);
        double err = hiddenError(m, model(false));
        double scale = hiddenError(model(false), SyntheticModel.withNormGainOutliers(HIDDEN, HEADS, HEADS, FF, VOCAB, LAYERS, false, 43));
        assertThat(err).isLessThan(1e-3 * scale);
    }

    @Test
    void gptqFeedsQuantizedOutputsAndAwqFeedsFullPrecisionOutputsToTheNextBlock() {
        List<int[]> w = windows(4, 1);
        for (Recipe recipe : List.of(Recipe.gptq().scheme("w3a16g32"), Recipe.awq().scheme("w3a16g32"))) {
            SyntheticModel m = model(true);
            Recording method = new Recording(recipe.build());
            Calibrator.quantize(m, method, recipe.toString(), w, ProgressListener.NONE);
            SyntheticModel fp = model(true);
            float[] fpOut = fp.block(0).forward(fp.embed(w.get(2)), TOKENS, ActivationObserver.NONE);
            float[] qOut = m.block(0).forward(m.embed(w.get(2)), TOKENS, ActivationObserver.NONE);
            float[] seen = method.inputs.get(1).get(2);
            if (recipe.method().equals("gptq")) {
                assertThat(seen).containsExactly(qOut);
                assertThat(Arrays.equals(seen, fpOut)).isFalse();
            } else {
                assertThat(seen).containsExactly(fpOut);
            }
        }
    }

    @Test
    void awqSkipsTheVToOScaleUnderGroupedQueryAttention() {
        SyntheticModel gqa = SyntheticModel.withNormGainOutliers(HIDDEN, HEADS, 2, FF, VOCAB, 1, true, 42);
        QuantizationReport report = Calibrator.quantize(gqa, Recipe.awq().scheme("w4a16g32").build(), "awq",
                windows(4, 1), ProgressListener.NONE);
        assertThat(report.blocks().getFirst().layers()).filteredOn(l -> l.name().endsWith(".o"))
                .singleElement().satisfies(l -> assertThat(l.note()).contains("not scaled"));
        assertThat(report.blocks().getFirst().layers()).filteredOn(l -> l.name().endsWith(".down"))
                .singleElement().satisfies(l -> assertThat(l.note()).isEmpty());
    }

    @Test
    void progressNamesBlocksAndStagesAndNeverGoesBackwards() {
        List<Progress> seen = new ArrayList<>();
        Calibrator.quantize(model(false), Recipe.gptq().scheme("w4a16g32").build(), "gptq", windows(2, 1), seen::add);
        assertThat(seen).extracting(Progress::stage).anyMatch(s -> s.startsWith("block 1 of 2: gptq"))
                .anyMatch(s -> s.equals("block 2 of 2 done"));
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i).done()).isGreaterThanOrEqualTo(seen.get(i - 1).done());
        }
        assertThat(seen.getLast().fraction()).isEqualTo(1.0);
    }

    @Test
    void nonFiniteActivationsNameTheBlockAndInterruptionStops() {
        SyntheticModel m = model(false);
        float[] table = m.embeddings();
        table[5 * HIDDEN + 7] = Float.NaN;
        m.setEmbeddings(table);
        List<int[]> w = List.of(new int[]{1, 2, 5, 3});
        assertThatThrownBy(() -> Calibrator.quantize(m, Recipe.rtn().build(), "rtn", w, ProgressListener.NONE))
                .isInstanceOf(QuantizationException.class)
                .hasMessageContaining("block 0 input (window 0)").hasMessageContaining("token 2, channel 7");

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> Calibrator.quantize(model(false), Recipe.gptq().build(), "gptq", windows(2, 1),
                    ProgressListener.NONE)).isInstanceOf(QuantizationException.class).hasMessageContaining("interrupted");
        } finally {
            Thread.interrupted();
        }
    }

    /** Delegates and records every block's inputs. */
    static final class Recording implements QuantizationMethod {
        final QuantizationMethod delegate;
        final List<List<float[]>> inputs = new ArrayList<>();

        Recording(QuantizationMethod delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> in, int tokens, ProgressListener progress) {
            List<float[]> copy = new ArrayList<>();
            in.forEach(x -> copy.add(x.clone()));
            inputs.add(copy);
            return delegate.quantizeBlock(block, in, tokens, progress);
        }

        @Override
        public boolean propagatesQuantizedOutputs() {
            return delegate.propagatesQuantizedOutputs();
        }
    }
}
