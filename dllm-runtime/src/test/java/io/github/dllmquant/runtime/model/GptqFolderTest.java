package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.format.GptqConfig;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.tensor.F16;
import io.github.dllmquant.methods.ColumnPermutation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Weight-only models written in the GPTQ checkpoint layout and read back: same codes and zeros, scales
 * rounded to F16 by the format, an act-order layer keeps its permutation; symmetric models get v1 zeros,
 * asymmetric ones gptq_v2.
 */
class GptqFolderTest {

    private static final int[] IDS = {1018, 37, 43, 48, 61, 1020, 1020, 1020, 300, 12, 1020, 99};

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"tiny-llada,128,true", "tiny-dream,64,false"})
    void aGptqFolderReloadsToTheSameCodesAndF16Scales(String name, int group, boolean symmetric) throws Exception {
        Path out = tmp.resolve(name + "-gptq");
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models", name))) {
            WeightQuantizer q = WeightQuantizer.of(4, group, symmetric);
            for (int b = 0; b < model.blockCount(); b++) {
                for (LinearRole role : LinearRole.values()) {
                    Linear l = model.block(b).linear(role);
                    int o = l.outFeatures();
                    int in = l.inFeatures();
                    float[] w = l.effectiveWeight();
                    ColumnPermutation perm = null;
                    if (b == 1 && role == LinearRole.UP) {
                        // act-order: columns stored in a permuted order, the permutation runs online
                        int[] p = new int[in];
                        for (int i = 0; i < in; i++) {
                            p[i] = (i * 5 + 3) % in;
                        }
                        perm = new ColumnPermutation(p);
                        perm.apply(w, o);
                    }
                    model.block(b).setLinear(role, WeightOnlyLinear.of(q.quantize(w, o, in), l.bias(), perm));
                }
            }
            float[] expected = model.logits(IDS);
            model.save(out, SaveFormat.GPTQ);
            GptqConfig config = GptqConfig.read(out);
            assertThat(config.bits()).isEqualTo(4);
            assertThat(config.groupSize()).isEqualTo(group);
            assertThat(config.checkpointFormat()).isEqualTo(symmetric ? GptqConfig.V1 : GptqConfig.V2);
            assertThat(config.descAct()).isTrue();
            try (DiffusionLm again = DiffusionLm.load(out)) {
                for (int b = 0; b < model.blockCount(); b++) {
                    for (LinearRole role : LinearRole.values()) {
                        WeightOnlyLinear e = (WeightOnlyLinear) model.block(b).linear(role);
                        WeightOnlyLinear a = (WeightOnlyLinear) again.block(b).linear(role);
                        QuantizedWeight ew = e.quantizedWeight();
                        QuantizedWeight aw = a.quantizedWeight();
                        assertThat(a.bias()).isEqualTo(e.bias());
                        if (e.transform() != null) {
                            // act-order comes back with its columns sorted by group (inputs ascending inside a
                            // group), so compare the weight in input order rather than the arrays
                            assertThat(a.transform()).isInstanceOf(ColumnPermutation.class);
                            assertThat(inputOrder(a, false)).isEqualTo(inputOrder(e, true));
                            continue;
                        }
                        assertThat(a.transform()).isNull();
                        assertThat(aw.codes()).isEqualTo(ew.codes());
                        assertThat(aw.zeros()).isEqualTo(ew.zeros());
                        for (int i = 0; i < ew.scales().length; i++) {
                            assertThat(aw.scales()[i]).isEqualTo(F16.round(ew.scales()[i]));
                        }
                    }
                }
                // only the F16 rounding of the scales separates the two
                assertThat(QuantizableModelSpiTest.maxAbsDiff(again.logits(IDS), expected)).isLessThan(0.05);
            }
        }
        assertThat(out.resolve("quantize_config.json")).exists();
        assertThat(out.resolve("quantization_config.json")).doesNotExist();
    }

    /** The dequantized weight {@code [out, in]} in input order (scales optionally rounded to F16 first). */
    private static float[] inputOrder(WeightOnlyLinear l, boolean f16Scales) {
        QuantizedWeight w = l.quantizedWeight();
        int[] perm = ((ColumnPermutation) l.transform()).permutation();
        float[] out = new float[w.out() * w.in()];
        for (int o = 0; o < w.out(); o++) {
            for (int j = 0; j < w.in(); j++) {
                int g = o * w.groups() + j / w.groupSize();
                float s = f16Scales ? F16.round(w.scales()[g]) : w.scales()[g];
                out[o * w.in() + perm[j]] = s * (w.code(o, j) - w.zeros()[g]);
            }
        }
        return out;
    }

    @Test
    void layersTheGptqFormatCannotHoldAreNamed() throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/tiny-llada"))) {
            Linear l = model.block(0).linear(LinearRole.Q);
            model.block(0).setLinear(LinearRole.Q, WeightOnlyLinear.of(
                    WeightQuantizer.of(4, 128, true).quantize(l.effectiveWeight(), 256, 256), null, null));
            Linear k = model.block(0).linear(LinearRole.K);
            model.block(0).setLinear(LinearRole.K, WeightOnlyLinear.of(
                    WeightQuantizer.of(8, 128, true).quantize(k.effectiveWeight(), 256, 256), null, null));
            assertThatThrownBy(() -> model.save(tmp.resolve("x"), SaveFormat.GPTQ))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model.transformer.blocks.0.k_proj is 8-bit");
        }
        try (var files = Files.list(tmp)) {
            assertThat(files).isEmpty();
        }
    }
}
