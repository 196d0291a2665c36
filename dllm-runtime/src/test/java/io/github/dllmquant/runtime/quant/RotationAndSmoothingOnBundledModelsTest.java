package io.github.dllmquant.runtime.quant;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.duquant.DuQuant;
import io.github.dllmquant.methods.quarot.QuaRot;
import io.github.dllmquant.methods.smoothquant.SmoothQuant;
import io.github.dllmquant.runtime.likelihood.MaskedNll;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SmoothQuant, QuaRot and DuQuant on the bundled tiny models through the real SPI: their transforms alone keep
 * the model's function, and W8A8 keeps the masked NLL within 2% of full precision.
 */
class RotationAndSmoothingOnBundledModelsTest {

    private static final Path MODELS = Path.of("../examples/models");
    private static final int CALIBRATION_LENGTH = 64;
    private static final int CALIBRATION_SAMPLES = 8;
    private static int[] corpus;

    @BeforeAll
    static void tokenizeCorpus() throws Exception {
        String text = Files.readString(Path.of("../examples/data/tiny_shakespeare.txt"));
        corpus = Tokenizers.load(MODELS.resolve("tiny-llada")).encode(text);
    }

    /** The first windows of the training part (first 90%) of the corpus. */
    private static List<int[]> calibration() {
        List<int[]> windows = new ArrayList<>();
        for (int i = 0; i < CALIBRATION_SAMPLES; i++) {
            windows.add(Arrays.copyOfRange(corpus, i * CALIBRATION_LENGTH, (i + 1) * CALIBRATION_LENGTH));
        }
        return windows;
    }

    private static double relativeError(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void quarotRotationKeepsTheLogits(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(MODELS.resolve(name))) {
            int[] ids = Arrays.copyOfRange(corpus, 1000, 1048);
            ids[5] = model.dims().maskTokenId();
            ids[20] = model.dims().maskTokenId();
            float[] before = model.logits(ids);
            new QuaRot(QuaRot.Config.defaults()).prepareModel(model, ProgressListener.NONE);
            assertThat(relativeError(model.logits(ids), before)).as(name).isLessThan(1e-4);
        }
    }

    private static List<float[]> blockInputs(DiffusionLm model) {
        List<float[]> xs = new ArrayList<>();
        for (int[] ids : calibration()) {
            xs.add(model.embed(ids));
        }
        return xs;
    }

    private static double blockChange(QuantizableBlock block, List<float[]> xs, List<float[]> ref) {
        double worst = 0;
        for (int i = 0; i < xs.size(); i++) {
            float[] y = block.forward(xs.get(i), CALIBRATION_LENGTH, ActivationObserver.NONE);
            worst = Math.max(worst, relativeError(y, ref.get(i)));
        }
        return worst;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void smoothingAndDuQuantTransformsKeepTheBlockOutput(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(MODELS.resolve(name))) {
            List<float[]> xs = blockInputs(model);
            QuantizableBlock block = model.block(0);
            List<float[]> ref = new ArrayList<>();
            for (float[] x : xs) {
                ref.add(block.forward(x, CALIBRATION_LENGTH, ActivationObserver.NONE));
            }
            SmoothQuant sq = new SmoothQuant(SmoothQuant.Config.defaults());
            SmoothQuant.applySmoothing(block, sq.calibrate(block, xs, CALIBRATION_LENGTH));
            assertThat(blockChange(block, xs, ref)).as("%s smoothing", name).isLessThan(1e-4);

            DuQuant dq = new DuQuant(DuQuant.Config.defaults().withRotationSteps(64));
            QuantizableBlock next = model.block(1);
            List<float[]> xs1 = new ArrayList<>();
            List<float[]> ref1 = new ArrayList<>();
            for (float[] y : ref) {
                xs1.add(y);
                ref1.add(next.forward(y, CALIBRATION_LENGTH, ActivationObserver.NONE));
            }
            dq.apply(next, dq.calibrate(next, xs1, CALIBRATION_LENGTH, ProgressListener.NONE), false, null,
                    CALIBRATION_LENGTH);
            assertThat(blockChange(next, xs1, ref1)).as("%s DuQuant transforms", name).isLessThan(1e-4);
        }
    }

    /** The sequential walk of ptq-methods.md §3 (methods-a's Calibrator does the same for the product). */
    private static void quantize(DiffusionLm model, QuantizationMethod method) {
        method.prepareModel(model, ProgressListener.NONE);
        List<float[]> xs = blockInputs(model);
        for (int b = 0; b < model.blockCount(); b++) {
            QuantizableBlock block = model.block(b);
            method.quantizeBlock(block, xs, CALIBRATION_LENGTH, ProgressListener.NONE);
            List<float[]> next = new ArrayList<>();
            for (float[] x : xs) {
                next.add(block.forward(x, CALIBRATION_LENGTH, ActivationObserver.NONE));
            }
            xs = next;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void quantizedModelsSaveAndReloadToTheSameLogits(String name, @org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        int[] ids = Arrays.copyOfRange(corpus, 2000, 2040);
        List<QuantizationMethod> methods = List.of(new SmoothQuant(new SmoothQuant.Config(0.5, 4,
                        io.github.dllmquant.core.quant.ActivationQuantizer.symmetric(8))),
                new QuaRot(QuaRot.Config.of(4, 4).withWeights(QuaRot.WeightAlgorithm.RTN)),
                new QuaRot(QuaRot.Config.weightOnly(4, 32).withWeights(QuaRot.WeightAlgorithm.RTN)),
                new DuQuant(DuQuant.Config.of(4, 4).withRotationSteps(16)));
        int i = 0;
        for (QuantizationMethod m : methods) {
            try (DiffusionLm model = DiffusionLm.load(MODELS.resolve(name))) {
                quantize(model, m);
                // the first call, while the kernels still run in the interpreter: compiled code must agree
                float[] expected = model.logits(ids);
                Path out = tmp.resolve(m.name() + (i++));
                model.save(out);
                try (DiffusionLm back = DiffusionLm.load(out)) {
                    // bit for bit: one ulp anywhere would flip activation codes and show here
                    assertThat(warmLogits(back, ids)).as("%s %s reloaded", name, m.name()).containsExactly(expected);
                }
            }
        }
    }

    /** Logits after a few warm-up calls, so that more of the kernels run compiled than in the first call. */
    private static float[] warmLogits(DiffusionLm model, int[] ids) {
        for (int i = 0; i < 3; i++) {
            model.logits(ids);
        }
        return model.logits(ids);
    }

    private static double maskedNll(DiffusionLm model) {
        int[] heldOut = MaskedNll.heldOut(corpus, 0.1);
        int[] eval = Arrays.copyOf(heldOut, 8 * 128);
        return new MaskedNll(model).windows(eval, 128, 0.5, 1234, ProgressListener.NONE).mean();
    }

    @Test
    void w8a8KeepsTheMaskedNllWithinTwoPercentAndW4a4RunsEndToEnd() throws Exception {
        double fp;
        try (DiffusionLm model = DiffusionLm.load(MODELS.resolve("tiny-llada"))) {
            fp = maskedNll(model);
        }
        List<QuantizationMethod> w8a8 = List.of(new SmoothQuant(SmoothQuant.Config.defaults()),
                new QuaRot(QuaRot.Config.of(8, 8).withWeights(QuaRot.WeightAlgorithm.RTN)), new DuQuant(DuQuant.Config.of(8, 8).withRotationSteps(64)));
        List<QuantizationMethod> w4a4 = List.of(new SmoothQuant(new SmoothQuant.Config(0.5, 4,
                        io.github.dllmquant.core.quant.ActivationQuantizer.symmetric(4))),
                new QuaRot(QuaRot.Config.of(4, 4)), new DuQuant(DuQuant.Config.of(4, 4).withRotationSteps(64)));
        StringBuilder table = new StringBuilder(String.format("masked NLL r=0.5: FP %.4f%n", fp));
        for (QuantizationMethod m : w8a8) {
            try (DiffusionLm model = DiffusionLm.load(MODELS.resolve("tiny-llada"))) {
                long t0 = System.nanoTime();
                quantize(model, m);
                long t1 = System.nanoTime();
                double nll = maskedNll(model);
                table.append(String.format("  W8A8 %-12s %.4f (%+.2f%%), quantize %d ms, NLL %d ms%n", m.name(), nll,
                        100 * (nll / fp - 1), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000));
                assertThat(nll).as("W8A8 %s masked NLL vs FP %s", m.name(), fp).isBetween(fp * 0.98, fp * 1.02);
            }
        }
        for (QuantizationMethod m : w4a4) {
            try (DiffusionLm model = DiffusionLm.load(MODELS.resolve("tiny-llada"))) {
                long t0 = System.nanoTime();
                quantize(model, m);
                long t1 = System.nanoTime();
                double nll = maskedNll(model);
                table.append(String.format("  W4A4 %-12s %.4f (%+.2f%%), quantize %d ms, NLL %d ms%n", m.name(), nll,
                        100 * (nll / fp - 1), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000));
                assertThat(nll).as("W4A4 %s", m.name()).isFinite().isGreaterThan(fp * 0.98);
            }
        }
        System.out.print(table);
    }
}
