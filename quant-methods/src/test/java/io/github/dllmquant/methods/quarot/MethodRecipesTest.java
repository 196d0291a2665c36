package io.github.dllmquant.methods.quarot;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.QuantizationReport;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.methods.duquant.DuQuant;
import io.github.dllmquant.methods.smoothquant.SmoothQuant;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Recipe.smoothQuant(), quarot() and duquant() build the configured methods, which run under the Calibrator. */
class MethodRecipesTest {

    @Test
    void recipesCarryTheirDefaultsAndOverrides() {
        SmoothQuant sq = (SmoothQuant) Recipe.smoothQuant().build();
        assertThat(sq.config().alpha()).isEqualTo(0.5);
        assertThat(sq.config().weightBits()).isEqualTo(8);
        assertThat(sq.config().activations().bits()).isEqualTo(8);
        assertThat(((SmoothQuant) Recipe.smoothQuant().alpha(0.85).scheme("w4a4").build()).config())
                .extracting(SmoothQuant.Config::alpha, SmoothQuant.Config::weightBits).containsExactly(0.85, 4);
        assertThatThrownBy(() -> Recipe.smoothQuant().scheme("w4a16").build()).hasMessageContaining("weight-only");

        QuaRot q = (QuaRot) Recipe.quarot().build();
        assertThat(q.config().weights()).isEqualTo(QuaRot.WeightAlgorithm.GPTQ);
        assertThat(q.config().mseClip()).isTrue();
        assertThat(q.config().groupSize()).isEqualTo(-1);
        assertThat(q.config().activations().symmetric()).isTrue();
        QuaRot w4a16 = (QuaRot) Recipe.quarot().scheme("w4a16").option("quarot.weights", "rtn").build();
        assertThat(w4a16.config().activations()).isNull();
        assertThat(w4a16.config().groupSize()).isEqualTo(128);
        assertThat(w4a16.config().weights()).isEqualTo(QuaRot.WeightAlgorithm.RTN);
        assertThatThrownBy(() -> Recipe.quarot().option("quarot.weights", "awq").build()).hasMessageContaining("awq");

        DuQuant d = (DuQuant) Recipe.duquant().build();
        assertThat(d.config().alpha()).isEqualTo(0.6);
        assertThat(d.config().weightClip()).isEqualTo(0.8f);
        assertThat(d.config().activations().symmetric()).isFalse();
        assertThat(d.config().activations().clipRatio()).isEqualTo(0.9f);
        assertThat(d.config().rotationSteps()).isEqualTo(256);
        DuQuant d8 = (DuQuant) Recipe.duquant().scheme("w8a8").option("duquant.steps", "16").build();
        assertThat(d8.config().weightClip()).isEqualTo(1f);
        assertThat(d8.config().activations().clipRatio()).isEqualTo(1f);
        assertThat(d8.config().rotationSteps()).isEqualTo(16);
    }

    @Test
    void everyMethodRunsUnderTheCalibrator() {
        List<int[]> windows = SyntheticModel.sequences(3, 16, 64, 1);
        List<Recipe> recipes = List.of(Recipe.smoothQuant(), Recipe.quarot(), Recipe.quarot().scheme("w4a16g32"),
                Recipe.duquant().option("duquant.steps", "16"));
        for (Recipe r : recipes) {
            SyntheticModel m = new SyntheticModel(128, 8, 2, 16, 384, 64, 2, true, new int[] {3}, 50f, false, 4);
            QuantizationMethod method = r.build();
            QuantizationReport report = Calibrator.quantize(m, method, r.toString(), windows, ProgressListener.NONE);
            assertThat(report).isNotNull();
            for (int b = 0; b < m.blockCount(); b++) {
                for (LinearRole role : LinearRole.values()) {
                    assertThat(m.block(b).linear(role)).as("%s block %d %s", method.name(), b, role)
                            .isInstanceOfAny(ActivationQuantizedLinear.class, WeightOnlyLinear.class);
                }
            }
            for (float v : m.logits(windows.get(0))) {
                assertThat(v).isFinite();
            }
        }
    }
}
