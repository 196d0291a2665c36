package io.github.dllmquant.methods;

import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.methods.awq.Awq;
import io.github.dllmquant.methods.gptq.GptqMethod;
import io.github.dllmquant.methods.rtn.Rtn;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecipeTest {

    @Test
    void schemesSetBitsAndTheAutomaticGroupSize() {
        Recipe w4 = Recipe.gptq().scheme("w4a16");
        assertThat(w4.weightQuantizer()).isEqualTo(new WeightQuantizer(4, 128, true, WeightQuantizer.Grid.GPTQ_MINMAX, false));
        assertThat(w4.activationQuantizer()).isNull();
        assertThat(w4.schemeName()).isEqualTo("w4a16 g128");

        Recipe w8a8 = Recipe.rtn().scheme("W8A8");
        assertThat(w8a8.groupSize()).isEqualTo(-1);
        assertThat(w8a8.activationQuantizer()).isEqualTo(ActivationQuantizer.symmetric(8));
        assertThat(w8a8.schemeName()).isEqualTo("w8a8");

        assertThat(Recipe.rtn().scheme("w4a4").activationClip(0.9).activationSymmetric(false).activationQuantizer())
                .isEqualTo(new ActivationQuantizer(4, false, 0.9f));
        assertThat(Recipe.rtn().scheme("w3a16-g64").groupSize()).isEqualTo(64);
        assertThat(Recipe.rtn().scheme("w2a16g-1").groupSize()).isEqualTo(-1);
        assertThat(Recipe.rtn().scheme("w4a8").weightBits()).isEqualTo(4);
    }

    @Test
    void badInputIsRejectedWithItsValue() {
        assertThatThrownBy(() -> Recipe.gptq().scheme("w4a12")).hasMessageContaining("got 12");
        assertThatThrownBy(() -> Recipe.gptq().scheme("int4")).hasMessageContaining("unknown scheme 'int4'");
        assertThatThrownBy(() -> Recipe.gptq().weightBits(9)).hasMessageContaining("got 9");
        assertThatThrownBy(() -> Recipe.gptq().groupSize(0)).hasMessageContaining("got 0");
        assertThatThrownBy(() -> Recipe.gptq().damp(1.5)).hasMessageContaining("1.5");
    }

    @Test
    void recipesAreImmutableAndBuildTheirMethod() {
        Recipe base = Recipe.gptq();
        Recipe changed = base.weightBits(3).actOrder(true).option("x", "y");
        assertThat(base.weightBits()).isEqualTo(4);
        assertThat(base.actOrder()).isFalse();
        assertThat(base.optionValue("x", "none")).isEqualTo("none");
        assertThat(changed.optionValue("x", "none")).isEqualTo("y");
        assertThat(base.build()).isInstanceOf(GptqMethod.class);
        assertThat(Recipe.rtn().build()).isInstanceOf(Rtn.class);
        assertThat(Recipe.awq().build()).isInstanceOf(Awq.class);
        assertThat(Recipe.awq().weightQuantizer().symmetric()).isFalse();
        assertThat(Recipe.awq().weightQuantizer().grid()).isEqualTo(WeightQuantizer.Grid.AWQ);
        assertThat(Recipe.awq().build().propagatesQuantizedOutputs()).isFalse();
        assertThat(Recipe.custom("mine", r -> new Rtn(r.weightQuantizer(), null)).weightBits(2).build().name()).isEqualTo("rtn");
        assertThat(Recipe.gptq().scheme("w3a16").toString()).isEqualTo("gptq w3a16 g128 sym");
    }
}
