package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.hadamard.HadamardTransform;
import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.methods.ColumnPermutation;
import io.github.dllmquant.methods.duquant.DuQuantTransform;
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
                    // same weights, and kernels whose rounding does not depend on the JIT tier: same bits
                    assertThat(again.logits(IDS)).containsExactly(model.logits(IDS));
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
            // quantized (W4 on random weights): not FP any more
            assertThat(QuantizableModelSpiTest.maxAbsDiff(quantized, fp)).isGreaterThan(1e-3);
            model.save(out);
            try (DiffusionLm again = DiffusionLm.load(out)) {
                for (int b = 0; b < model.blockCount(); b++) {
                    for (LinearRole role : LinearRole.values()) {
                        assertSameLayer(again.block(b).linear(role), model.block(b).linear(role));
                    }
                }
                assertSameLayer(again.lmHead(), model.lmHead());
                assertThat(again.logits(IDS)).containsExactly(quantized);
            }
        }
        assertThat(out.resolve("quantization_config.json")).exists();
        assertThat(Files.readString(out.resolve("quantization_config.json")))
                .contains("\"model.layers.0.mlp.down_proj\"", "\"activation_quantized\"", "\"hadamard\"",
                        "\"duquant\"", "\"permutation\"", "\"lm_head\"");
    }

    @Test
    void transformsWithMatchingDenseWeightsKeepTheModelAndRoundTrip() throws IOException {
        Path out = tmp.resolve("rotated");
        try (DiffusionLm model = DiffusionLm.load(DREAM)) {
            float[] fp = model.logits(IDS);
            for (int b = 0; b < model.blockCount(); b++) {
                var block = model.block(b);
                for (LinearRole role : new LinearRole[] {LinearRole.Q, LinearRole.O, LinearRole.DOWN}) {
                    Linear l = block.linear(role);
                    int in = l.inFeatures();
                    InputTransform t = switch (role) {
                        case Q -> duQuant(in, 64, b);
                        case O -> new ColumnPermutation(stride(in, 7, b));
                        default -> HadamardTransform.randomSigned(in, b);
                    };
                    float[] w = l.effectiveWeight();
                    t.apply(w, l.outFeatures());
                    block.setLinear(role, TransformedLinear.of(t, DenseLinear.of(w, l.bias(), l.outFeatures(), in)));
                }
            }
            float[] rotated = model.logits(IDS);
            assertThat(QuantizableModelSpiTest.maxAbsDiff(rotated, fp)).isLessThanOrEqualTo(1e-3);
            model.save(out);
            try (DiffusionLm again = DiffusionLm.load(out)) {
                for (int b = 0; b < model.blockCount(); b++) {
                    for (LinearRole role : LinearRole.values()) {
                        assertSameLayer(again.block(b).linear(role), model.block(b).linear(role));
                    }
                }
                assertThat(again.logits(IDS)).containsExactly(rotated);
            }
        }
        assertThat(Files.readString(out.resolve("quantization_config.json"))).contains("\"dense\"", "\"wrappers\"");
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
        // packed 4-bit codes plus an F32 scale and a U8 zero per group of 128
        long blocksW4 = 6 * (4 * (256 * 128 + 5L * 256 * 2) + 2 * (768 * 128 + 5L * 768 * 2) + (256 * 384 + 5L * 256 * 6));
        long fixed = 2L * (2 * 1024 * 256) + 2L * (13 * 256);
        long expected = blocksW4 + fixed;
        long size = Files.size(out.resolve("model.safetensors"));
        System.out.printf("W4 g128 tiny-llada: %d bytes, BF16 %d bytes (%.3fx; blocks alone %.3fx)%n", size,
                Files.size(LLADA.resolve("model.safetensors")),
                size / (double) Files.size(LLADA.resolve("model.safetensors")), blocksW4 / (double) blocksBf16);
        assertThat(size).isBetween(expected, expected + 40_000); // + header JSON and the .qmeta tensors
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
                    .hasMessageContaining("model.transformer.blocks.2.up_proj").hasMessageContaining("identity 256")
                    .hasMessageContaining("no saved form");
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
        String good = Files.readString(cfg);
        Files.writeString(cfg, good.replace("\"weight_only\"", "\"int3\""));
        assertThatThrownBy(() -> DiffusionLm.load(out)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("model.transformer.blocks.0.q_proj: unknown kind \"int3\"");
        Files.writeString(cfg, good.replace("blocks.0.q_proj", "blocks.9.q_proj"));
        assertThatThrownBy(() -> DiffusionLm.load(out)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("layer model.transformer.blocks.9.q_proj is not a linear");
        Files.writeString(cfg, "{\"quant_method\": \"awq\"}");
        assertThatThrownBy(() -> DiffusionLm.load(out)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("quant_method is \"awq\"");
    }

    /**
     * DuQuant-style groups: q/k/v behind one shared transform instance, gate/up behind another (W4A8, asymmetric
     * activations). The folder holds each shared transform once; reloading gives one instance per group again and
     * the same logits, which equal those of the same layers with one equal transform copy per linear (one
     * transform and activation quantization per linear at run time). A version-1 folder (one copy per layer)
     * still loads; a newer version is refused naming it.
     */
    @Test
    void groupsSharingOneTransformSaveItOnceAndReloadShared() throws IOException {
        Path shared = tmp.resolve("shared");
        Path copies = tmp.resolve("copies");
        float[] sharedLogits;
        long sharedBytes;
        try (DiffusionLm model = DiffusionLm.load(LLADA)) {
            duQuantGroups(model, true);
            sharedLogits = model.logits(IDS);
            sharedBytes = model.parameterBytes();
            model.save(shared);
            try (DiffusionLm again = DiffusionLm.load(shared)) {
                for (int b = 0; b < model.blockCount(); b++) {
                    for (LinearRole role : LinearRole.values()) {
                        assertSameLayer(again.block(b).linear(role), model.block(b).linear(role));
                    }
                    InputTransform qkv = transformOf(again, b, LinearRole.Q);
                    assertThat(transformOf(again, b, LinearRole.K)).isSameAs(qkv);
                    assertThat(transformOf(again, b, LinearRole.V)).isSameAs(qkv);
                    assertThat(transformOf(again, b, LinearRole.UP)).isSameAs(transformOf(again, b, LinearRole.GATE))
                            .isNotSameAs(qkv);
                }
                assertThat(again.logits(IDS)).containsExactly(sharedLogits);
            }
        }
        try (DiffusionLm model = DiffusionLm.load(LLADA)) {
            duQuantGroups(model, false);
            assertThat(model.logits(IDS)).containsExactly(sharedLogits);
            // the batched forward (several sequences in one pass) shares the group input the same way
            try (DiffusionLm again = DiffusionLm.load(shared)) {
                java.util.List<int[]> batch = java.util.List.of(IDS, java.util.Arrays.copyOf(IDS, 7));
                float[][] expected = model.logits(batch);
                float[][] actual = again.logits(batch);
                assertThat(actual[0]).containsExactly(expected[0]);
                assertThat(actual[1]).containsExactly(expected[1]);
            }
            // in memory a shared transform counts once: 2 of 3 q/k/v copies and 1 of 2 gate/up copies per block
            assertThat(model.parameterBytes() - sharedBytes).isEqualTo(6 * 3 * (2L * 64 * 64 * 4 + 256 * 4));
            model.save(copies);
        }
        String config = Files.readString(shared.resolve("quantization_config.json"));
        assertThat(config.split("\"tensors\"", -1)).hasSize(6 * 3 + 1); // k, v, up of every block point at q, gate
        assertThat(config).contains("\"model.transformer.blocks.5.q_proj.transform\"");
        long perCopy = 2L * 64 * 64 * 4 + 256 * 4; // r1, r2, perm
        long saved = Files.size(copies.resolve("model.safetensors")) - Files.size(shared.resolve("model.safetensors"));
        assertThat(saved).isBetween(6 * 3 * perCopy, 6 * 3 * perCopy + 8192); // + the copies' header entries

        // the copies folder is what version 1 wrote: one transform per layer
        Path copiesConfig = copies.resolve("quantization_config.json");
        String v2 = Files.readString(copiesConfig);
        assertThat(v2).doesNotContain("\"tensors\"");
        Files.writeString(copiesConfig, v2.replace("\"format_version\" : 2", "\"format_version\" : 1"));
        assertThat(Files.readString(copiesConfig)).contains("\"format_version\" : 1");
        try (DiffusionLm old = DiffusionLm.load(copies)) {
            assertThat(transformOf(old, 0, LinearRole.K)).isNotSameAs(transformOf(old, 0, LinearRole.Q));
            assertThat(old.logits(IDS)).containsExactly(sharedLogits);
        }
        Files.writeString(copiesConfig, v2.replace("\"format_version\" : 2", "\"format_version\" : 3"));
        assertThatThrownBy(() -> DiffusionLm.load(copies)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("format_version 3 is not supported").hasMessageContaining("1 to 2");
    }

    private static InputTransform transformOf(DiffusionLm model, int block, LinearRole role) {
        return ((ActivationQuantizedLinear) model.block(block).linear(role)).transform();
    }

    /**
     * Every linear W4A8 (weights per channel asymmetric, activations asymmetric) behind a DuQuant-style
     * transform matched into its weight rows; q/k/v and gate/up get one instance per group ({@code shared}) or
     * equal copies, one per linear.
     */
    private static void duQuantGroups(DiffusionLm model, boolean shared) {
        ActivationQuantizer act = new ActivationQuantizer(8, false, 1f);
        for (int b = 0; b < model.blockCount(); b++) {
            var block = model.block(b);
            DuQuantTransform qkv = duQuant(256, 64, 3 + b);
            DuQuantTransform gateUp = duQuant(256, 64, 40 + b);
            for (LinearRole role : LinearRole.values()) {
                Linear l = block.linear(role);
                int out = l.outFeatures();
                int in = l.inFeatures();
                DuQuantTransform t = switch (role) {
                    case Q, K, V -> shared ? qkv : duQuant(256, 64, 3 + b);
                    case GATE, UP -> shared ? gateUp : duQuant(256, 64, 40 + b);
                    case O -> duQuant(in, 64, 70 + b);
                    case DOWN -> duQuant(in, 64, 90 + b);
                };
                float[] w = l.effectiveWeight();
                t.apply(w, out);
                block.setLinear(role, ActivationQuantizedLinear.of(WeightQuantizer.of(4, -1, false).quantize(w, out, in),
                        l.bias(), act, t));
            }
        }
    }

    /**
     * A mix of every saved form, each weight transformed to match its online transform (so the model stays
     * close to FP): Q behind a DuQuant rotation (TransformedLinear over W4 g64), K/V W4 g64 asymmetric,
     * O W4 with an own column permutation, gate/up W8A8, down W8A8 (asymmetric, clipped) behind a signed
     * Hadamard, and a dense LM head behind a signed Hadamard (TransformedLinear over DenseLinear).
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
                    case Q -> {
                        DuQuantTransform t = duQuant(in, 64, 5 + b);
                        t.apply(w, out); // rows W[o]·T so that T(x)·(W T)ᵀ = x·Wᵀ
                        yield TransformedLinear.of(t, WeightOnlyLinear.of(
                                WeightQuantizer.of(4, 64, false).quantize(w, out, in), l.bias(), null));
                    }
                    case K, V -> WeightOnlyLinear.of(WeightQuantizer.of(4, 64, false).quantize(w, out, in), l.bias(), null);
                    case O -> {
                        ColumnPermutation p = new ColumnPermutation(stride(in, 7, b));
                        p.apply(w, out);
                        yield WeightOnlyLinear.of(WeightQuantizer.of(4, 64, true).quantize(w, out, in), l.bias(), p);
                    }
                    case GATE, UP -> ActivationQuantizedLinear.of(WeightQuantizer.of(8, -1, true).quantize(w, out, in),
                            l.bias(), ActivationQuantizer.symmetric(8), null);
                    case DOWN -> {
                        HadamardTransform h = HadamardTransform.randomSigned(in, 17 + b);
                        h.apply(w, out);
                        yield ActivationQuantizedLinear.of(WeightQuantizer.of(8, -1, true).quantize(w, out, in),
                                l.bias(), new ActivationQuantizer(8, false, 0.95f), h);
                    }
                };
                block.setLinear(role, q);
            }
        }
        Linear head = model.lmHead();
        float[] w = head.effectiveWeight();
        HadamardTransform h = HadamardTransform.randomSigned(head.inFeatures(), 99);
        h.apply(w, head.outFeatures());
        model.setLmHead(TransformedLinear.of(h, DenseLinear.of(w, null, head.outFeatures(), head.inFeatures())));
    }

    /** The permutation {@code i → (i·step + offset) mod n} ({@code step} coprime with {@code n}). */
    private static int[] stride(int n, int step, int offset) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = (i * step + offset) % n;
        }
        return perm;
    }

    /** An orthogonal DuQuant transform: signed block permutations as R1 and R2, a stride permutation between. */
    private static DuQuantTransform duQuant(int width, int block, int seed) {
        float[] r1 = new float[block * block];
        float[] r2 = new float[block * block];
        for (int i = 0; i < block; i++) {
            r1[i * block + (i * 5 + seed) % block] = (i + seed) % 3 == 0 ? -1f : 1f;
            r2[i * block + (block - 1 - i)] = 1f;
        }
        int[] perm = new int[width];
        for (int i = 0; i < width; i++) {
            perm[i] = (i % block) * (width / block) + i / block;
        }
        return DuQuantTransform.of(width, block, r1, perm, r2);
    }

    private static void assertSameLayer(Linear actual, Linear expected) {
        assertThat(actual.getClass()).isEqualTo(expected.getClass());
        assertThat(actual.format()).isEqualTo(expected.format());
        if (expected instanceof TransformedLinear et) {
            TransformedLinear at = (TransformedLinear) actual;
            assertSameTransform(at.transform(), et.transform());
            assertSameLayer(at.inner(), et.inner());
            return;
        }
        assertThat(actual.bias()).isEqualTo(expected.bias());
        if (expected instanceof DenseLinear) {
            assertThat(actual.effectiveWeight()).isEqualTo(expected.effectiveWeight());
            return;
        }
        QuantizedWeight a = actual instanceof WeightOnlyLinear w ? w.quantizedWeight() : ((ActivationQuantizedLinear) actual).weight();
        QuantizedWeight e = expected instanceof WeightOnlyLinear w ? w.quantizedWeight() : ((ActivationQuantizedLinear) expected).weight();
        assertThat(a.codes()).isEqualTo(e.codes());
        assertThat(a.scales()).isEqualTo(e.scales());
        assertThat(a.zeros()).isEqualTo(e.zeros());
        assertThat(a.bits()).isEqualTo(e.bits());
        assertThat(a.groupSize()).isEqualTo(e.groupSize());
        InputTransform at = actual instanceof WeightOnlyLinear w ? w.transform() : ((ActivationQuantizedLinear) actual).transform();
        InputTransform et = expected instanceof WeightOnlyLinear w ? w.transform() : ((ActivationQuantizedLinear) expected).transform();
        assertSameTransform(at, et);
        if (expected instanceof ActivationQuantizedLinear ea) {
            assertThat(((ActivationQuantizedLinear) actual).activationQuantizer()).isEqualTo(ea.activationQuantizer());
        }
    }

    private static void assertSameTransform(InputTransform actual, InputTransform expected) {
        if (expected == null) {
            assertThat(actual).isNull();
            return;
        }
        assertThat(actual.getClass()).isEqualTo(expected.getClass());
        switch (expected) {
            case HadamardTransform h -> assertThat(((HadamardTransform) actual).spec()).isEqualTo(h.spec());
            case DuQuantTransform d -> {
                DuQuantTransform a = (DuQuantTransform) actual;
                assertThat(a.blockSize()).isEqualTo(d.blockSize());
                assertThat(a.r1()).isEqualTo(d.r1());
                assertThat(a.permutation()).isEqualTo(d.permutation());
                assertThat(a.r2()).isEqualTo(d.r2());
            }
            case ColumnPermutation p -> assertThat(((ColumnPermutation) actual).permutation()).isEqualTo(p.permutation());
            default -> throw new AssertionError("unexpected transform " + expected);
        }
    }
}
