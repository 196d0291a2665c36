package io.github.dllmquant.runtime.api;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link DiffusionModel#quantize} and {@link DiffusionModel#save} on the bundled LLaDA model. */
class QuantizeAndSaveTest {

    private static final int[] IDS = {1018, 54, 54, 45, 51, 61, 1020, 1020, 1020, 1020};

    @Test
    void quantizeMatchesTheCalibratorByHandAndLeavesTheOriginalAlone(@TempDir Path tmp) throws Exception {
        Recipe recipe = Recipe.rtn().weightBits(4).groupSize(128);
        Calibration calibration = Calibration.defaultCorpus().samples(2).sequenceLength(32);
        try (DiffusionModel model = DiffusionModel.load(DiffusionModelTest.LLADA)) {
            float[] before = model.logits(IDS);
            List<Progress> updates = new ArrayList<>();
            try (DiffusionModel q = model.quantize(recipe, calibration, updates::add);
                 DiffusionLm byHand = DiffusionLm.load(DiffusionModelTest.LLADA)) {
                // the same walk done directly on a fresh copy gives the same network, exactly
                Calibrator.quantize(byHand, recipe, calibration, Tokenizers.load(DiffusionModelTest.LLADA)::encode,
                        p -> { });
                float[] quantized = q.logits(IDS);
                assertThat(quantized).containsExactly(byHand.logits(IDS));
                assertThat(quantized).isNotEqualTo(before);
                assertThat(model.logits(IDS)).containsExactly(before);
                assertThat(q.quantizationReport()).isPresent();
                assertThat(q.quantizationReport().get().blocks()).hasSize(6);
                assertThat(updates).isNotEmpty();
                assertThat(model.quantizationReport()).isEmpty();

                // saved and loaded back: the same logits and the same generation
                Path out = tmp.resolve("w4");
                q.save(out);
                try (DiffusionModel reloaded = DiffusionModel.load(out)) {
                    assertThat(reloaded.logits(IDS)).containsExactly(quantized);
                    Sampling s = Sampling.llada().steps(8).genLength(8).build();
                    assertThat(reloaded.generate("66-3=", s).ids()).containsExactly(q.generate("66-3=", s).ids());
                }
            }
        }
    }
}
