package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.hadamard.HadamardTransform;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.runtime.config.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Saving dense and quantized models and loading them back to the same layers and logits. */
class SaveLoadTest {

    private static final Path LLADA = Path.of("../examples/models/tiny-llada");
    private static final Path DREAM = Path.of("../examples/models/tiny-dream");
    private static final int[] IDS = {1018, 37, 43, 48, 61, 1020, 1020, 1020, 300, 12, 1020, 99};

    @TempDir
    Path tmp;

    @Test
    void aDenseModelRoundTripsAsBf16WithItsTokenizer() throws IOException {
        for (Path source : new Path[] {LLADA, DREAM}) {
            Path out = tmp.resolve(source.getFileName() + "-copy");
            try (DiffusionLm model = DiffusionLm.load(source)) {
                model.save(out);
                try (DiffusionLm again = DiffusionLm.load(out)) {
                    // same weights; the 1e-4 slack covers the Panama kernels' JIT-dependent rounding (see NOTES.md)
                    assertThat(QuantizableModelSpiTest.maxAbsDiff(again.logits(IDS), model.logits(IDS)))
                            .isLessThanOrEqualTo(1e-4);
                }
            }
            assertThat(Files.size(out.resolve("model.safetensors")))
                    .isBetween(Files.size(source.resolve("model.safetensors")) - 4096,
                            Files.size(source.resolve("model.safetensors")) + 4096);
            assertThat(out.resolve("config.json")).hasSameTextualContentAs(source.resolve("config.json"));
            assertThat(out.resolve("quantization_config.json")).doesNotExist();
        }
        assertThat(tmp.resolve("tiny-llada-copy/tokenizer.json")).exists();
        assertThat(tmp.resolve("tiny-dream-copy/vocab.json")).exists();
        assertThat(tmp.resolve("tiny-dream-copy/merges.txt")).exists();
    }

    @Test
    void aQuantizedModelReloadsToIdenticalLayersAndLogits() throws IOException {
        Path out = tmp.resolve("w4");
        try (DiffusionLm model = DiffusionLm.load(DREAM)) {
            float[] fp = model.logits(IDS);
            quantizeInPlace(model);
            float[] quantized = model.logits(IDS);
            // W8A8 with a Hadamard on down and W4/W8 weights elsewhere: close to FP, not equal
            double diff = QuantizableModelSpiTest.maxAbsDiff(quantized, fp);
            assertThat(diff).isGreaterThan(1e-4);
            model.save(out);
            try (DiffusionLm again = DiffusionLm.load(out)) {
                for (int b = 0; b < model.blockCount(); b++) {
                    for (LinearRole role : LinearRole.values()) {
                        assertSameLayer(again.block(b).linear(role), model.block(b).linear(role));
                    }
                }
                assertSameLayer(again.lmHead(), model.lmHead());
                assertThat(QuantizableModelSpiTest.maxAbsDiff(again.logits(IDS), quantized)).isLessThanOrEqualTo(1e-4);
            }
        }
        assertThat(out.resolve("quantization_config.json")).exists();
        assertThat(Files.readString(out.resolve("quantization_config.json")))
                .contains("\"model.layers.0.mlp.down_proj\"", "\"activation_quantized\"", "\"hadamard\"");
    }

    @Test
    void w4g128WeightsTakeAFractionOfTheBf16Folder() throws IOException {
        Path out = tmp.resolve("w4g128");
        try (DiffusionLm model = DiffusionLm.load(LLADA)) {
            WeightQuantizer q = WeightQuantizer.of(4, 128, false);
            for (int b = 0; b < model.blockCount(); b++) {
                for (LinearRole role : LinearRole.values()) {
                    Linear l = model.block(b).linear(role);
                    model.block(b).setLinear(role, WeightOnlyLinear.of(
                            q.quantize(l.effectiveWeight(), l.outFeatures(), l.inFeatures()), l.bias(), null));
                }
            }
            model.save(out);
        }
        long blocksBf16 = 2L * 6 * (4 * 256 * 256 + 3 * 256 * 768);
        long blocksW4 = 6 * (4 * (256 * 128 + 8L * 256 * 2) + 2 * (768 * 128 + 8L * 768 * 2) + (256 * 384 + 8L * 256 * 6));
        long fixed = 2L * (2 * 1024 * 256) + 2L * (13 * 256);
        long expected = blocksW4 + fixed;
        long size = Files.size(out.resolve("model.safetensors"));
        System.out.printf("W4 g128 tiny-llada: %d bytes, BF16 %d bytes (%.3fx; blocks alone %.3fx)%n", size,
                Files.size(LLADA.resolve("model.safetensors")),
                size / (double) Files.size(LLADA.resolve("model.safetensors")), blocksW4 / (double) blocksBf16);
        assertThat(size).isBetween(expected, expected + 16384);
        assertThat(blocksW4 / (double) blocksBf16).isLessThanOrEqualTo(0.3);
        try (DiffusionLm again = DiffusionLm.load(out)) {
            assertThat(again.block(3).linear(LinearRole.DOWN).format()).isEqualTo(
                    WeightOnlyLinear.of(WeightQuantizer.of(4, 128, false).quantize(new float[768 * 2], 2, 768), null, null)
                            .format());
        }
    }

    @Test
    void savingOverAnExistingFolderReplacesItAndLeavesNoTemporaries() throws IOException {
        Path out = tmp.resolve("model");
        try (DiffusionLm model = DiffusionLm.load(LLADA)) {
            model.save(out);
            Files.writeString(out.resolve("stale.txt"), "from the old folder");
            model.block(0).setNormWeight(io.github.dllmquant.core.spi.NormRole.FFN, new float[256]);
            model.save(out);
            try (DiffusionLm again = DiffusionLm.load(out)) {
                assertThat(again.block(0).normWeight(io.github.dllmquant.core.spi.NormRole.FFN)).containsOnly(0f);
            }
        }
        assertThat(out.resolve("stale.txt")).doesNotExist();
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model");
        }
    }

    @Test
    void anUnsavableTransformFailsBeforeTheTargetExists() throws IOException {
        Path out = tmp.resolve("never");
        try (DiffusionLm model = DiffusionLm.load(LLADA)) {
            Linear l = model.block(2).linear(LinearRole.UP);
            InputTransform identity = new InputTransform() {
                public int width() { return 256; }
                public void apply(float[] x, int tokens) { }
                public long parameterBytes() { return 0; }
                public String describe() { return "identity 256"; }
            };
            model.block(2).setLinear(LinearRole.UP, WeightOnlyLinear.of(
                    WeightQuantizer.of(8, -1, true).quantize(l.effectiveWeight(), 768, 256), null, identity));
            assertThatThrownBy(() -> model.save(out)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model.transformer.blocks.2.up_proj").hasMessageContaining("identity 256");
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aBrokenQuantizationConfigIsNamed() throws IOException {
        Path out = tmp.resolve("q");
        try (DiffusionLm model = DiffusionLm.load(LLADA)) {
            Linear l = model.block(0).linear(LinearRole.Q);
            model.block(0).setLinear(LinearRole.Q, WeightOnlyLinear.of(
                    WeightQuantizer.of(4, 64, true).quantize(l.effectiveWeight(), 256, 256), null, null));
            model.save(out);
        }
        Path cfg = out.resolve("quantization_config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"group_size\" : 64", "\"group_size\" : 128"));
        assertThatThrownBy(() -> DiffusionLm.load(out)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("model.transformer.blocks.0.q_proj.scales has shape [256, 4], config.json implies [256, 2]");
        Files.writeString(cfg, "{\"quant_method\": \"awq\"}");
        assertThatThrownBy(() -> DiffusionLm.load(out)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("quant_method is \"awq\"");
    }

    /**
     * W4 g64 asymmetric weight-only q/k/v/o, W8A8 gate/up, and W8A8 down behind a signed Hadamard with
     * the weight rotated to match (so the block computes nearly the same function); W8 per-channel head.
     */
    static void quantizeInPlace(DiffusionLm model) {
        for (int b = 0; b < model.blockCount(); b++) {
            var block = model.block(b);
            for (LinearRole role : LinearRole.values()) {
                Linear l = block.linear(role);
                int out = l.outFeatures();
                int in = l.inFeatures();
                float[] w = l.effectiveWeight();
                Linear q = switch (role) {
                    case Q, K, V, O -> WeightOnlyLinear.of(WeightQuantizer.of(4, 64, false).quantize(w, out, in), l.bias(), null);
                    case GATE, UP -> ActivationQuantizedLinear.of(WeightQuantizer.of(8, -1, true).quantize(w, out, in),
                            l.bias(), ActivationQuantizer.symmetric(8), null);
                    case DOWN -> {
                        HadamardTransform h = HadamardTransform.randomSigned(in, 17 + b);
                        h.apply(w, out); // rows W[o]·T so that T(x)·(W T)ᵀ = x·Wᵀ
                        yield ActivationQuantizedLinear.of(WeightQuantizer.of(8, -1, true).quantize(w, out, in),
                                l.bias(), new ActivationQuantizer(8, false, 0.95f), h);
                    }
                };
                block.setLinear(role, q);
            }
        }
        Linear head = model.lmHead();
        model.setLmHead(WeightOnlyLinear.of(WeightQuantizer.of(8, -1, true)
                .quantize(head.effectiveWeight(), head.outFeatures(), head.inFeatures()), null, null));
    }

    private static void assertSameLayer(Linear actual, Linear expected) {
        assertThat(actual.getClass()).isEqualTo(expected.getClass());
        assertThat(actual.format()).isEqualTo(expected.format());
        assertThat(actual.bias()).isEqualTo(expected.bias());
        QuantizedWeight a = actual instanceof WeightOnlyLinear w ? w.quantizedWeight() : ((ActivationQuantizedLinear) actual).weight();
        QuantizedWeight e = expected instanceof WeightOnlyLinear w ? w.quantizedWeight() : ((ActivationQuantizedLinear) expected).weight();
        assertThat(a.codes()).isEqualTo(e.codes());
        assertThat(a.scales()).isEqualTo(e.scales());
        assertThat(a.zeros()).isEqualTo(e.zeros());
        assertThat(a.bits()).isEqualTo(e.bits());
        assertThat(a.groupSize()).isEqualTo(e.groupSize());
        if (expected instanceof ActivationQuantizedLinear ea) {
            ActivationQuantizedLinear aa = (ActivationQuantizedLinear) actual;
            assertThat(aa.activationQuantizer()).isEqualTo(ea.activationQuantizer());
            if (ea.transform() == null) {
                assertThat(aa.transform()).isNull();
            } else {
                assertThat(((HadamardTransform) aa.transform()).spec()).isEqualTo(((HadamardTransform) ea.transform()).spec());
            }
        }
    }
}
