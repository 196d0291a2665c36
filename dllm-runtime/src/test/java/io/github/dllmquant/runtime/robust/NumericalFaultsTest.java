package io.github.dllmquant.runtime.robust;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.QuantizationException;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Numerical faults on the bundled model: a NaN or infinite weight set through the SPI is reported with the
 * layer's name, row and column by every method before its block is touched (weights read from files are
 * checked by the loader, LoadErrorsTest); a layer whose weights are all zero quantizes to exact zeros (no
 * division by a zero scale) and the model still gives finite logits.
 */
class NumericalFaultsTest {

    private static final int[] IDS = {1018, 54, 54, 45, 51, 61, 1023, 1023, 7};
    private static final Calibration CALIBRATION = Calibration.texts(java.util.List.of(
            "To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer ".repeat(4)))
            .samples(2).sequenceLength(32);

    @ParameterizedTest
    @ValueSource(strings = {"rtn", "gptq", "awq"})
    void aNonFiniteWeightIsNamedWithItsLayer(String method) throws IOException {
        try (DiffusionLm model = DiffusionLm.load(SavingChildMain.TINY_LLADA)) {
            setWeight(model, 2, LinearRole.UP, 3, 17, method.equals("gptq") ? Float.POSITIVE_INFINITY : Float.NaN);
            Recipe recipe = switch (method) {
                case "rtn" -> Recipe.rtn();
                case "gptq" -> Recipe.gptq();
                default -> Recipe.awq();
            };
            assertThatThrownBy(() -> Calibrator.quantize(model, recipe.weightBits(4).groupSize(128), CALIBRATION,
                    Tokenizers.load(SavingChildMain.TINY_LLADA)::encode, ProgressListener.NONE))
                    .isInstanceOf(QuantizationException.class)
                    .hasMessageContaining("non-finite weight in " + model.block(2).name(LinearRole.UP))
                    .hasMessageContaining("row 3, column 17 is " + (method.equals("gptq") ? "Infinity" : "NaN"));
            // the faulty block was not touched
            assertThat(model.block(2).linear(LinearRole.Q)).isInstanceOf(DenseLinear.class);
        }
    }

    @Test
    void anAllZeroLayerQuantizesToZerosWithoutDivisionByZero() throws IOException {
        try (DiffusionLm model = DiffusionLm.load(SavingChildMain.TINY_LLADA)) {
            Linear down = model.block(1).linear(LinearRole.DOWN);
            model.block(1).setLinear(LinearRole.DOWN, DenseLinear.of(new float[down.outFeatures() * down.inFeatures()],
                    null, down.outFeatures(), down.inFeatures()));
            float[] reference = model.logits(IDS);
            Calibrator.quantize(model, Recipe.rtn().weightBits(4).groupSize(128), CALIBRATION,
                    Tokenizers.load(SavingChildMain.TINY_LLADA)::encode, ProgressListener.NONE);
            assertThat(model.block(1).linear(LinearRole.DOWN).effectiveWeight()).containsOnly(0f);
            assertThat(model.block(1).linear(LinearRole.DOWN)).isInstanceOf(io.github.dllmquant.core.linear.WeightOnlyLinear.class);
            float[] logits = model.logits(IDS);
            assertThat(logits).hasSameSizeAs(reference);
            for (float v : logits) {
                assertThat(v).isFinite();
            }
        }
    }

    private static void setWeight(DiffusionLm model, int block, LinearRole role, int row, int col, float value) {
        Linear l = model.block(block).linear(role);
        float[] w = l.effectiveWeight();
        w[row * l.inFeatures() + col] = value;
        model.block(block).setLinear(role, DenseLinear.of(w, l.bias(), l.outFeatures(), l.inFeatures()));
    }
}
