package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.Kernels;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.core.spi.QuantizableModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The model seen through the quantizable-model SPI: running embeddings, blocks, final norm and head
 * through the SPI reproduces the model's own logits; each sub-layer forward reproduces its part of the
 * block; replacing layers and norms through the SPI changes what the model computes.
 */
class QuantizableModelSpiTest {

    private static final int[] IDS = {5, 99, 1020, 300, 1020, 7, 512, 1019, 64, 1020, 2, 811};

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void spiForwardReproducesTheModelForward(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models", name))) {
            float[] expected = model.logits(IDS);
            float[] actual = spiLogits(model, IDS);
            assertThat(maxAbsDiff(actual, expected)).isLessThanOrEqualTo(1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void subLayerForwardsReproduceTheBlock(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models", name))) {
            int L = IDS.length;
            int d = model.dims().hidden();
            QuantizableBlock block = model.block(1);
            float[] x = model.embed(IDS);
            Map<GroupRole, float[]> inputs = new EnumMap<>(GroupRole.class);
            float[] y = block.forward(x, L, (group, input, tokens) -> inputs.put(group, input.clone()));
            assertThat(inputs.keySet()).containsExactly(GroupRole.values());

            // QKV input is RMSNorm(x)·attn_norm, the attention sub-layer output added to x gives the middle
            float[] expectedNormed = new float[L * d];
            Kernels.rmsNorm(x, block.normWeight(NormRole.ATTENTION), (float) model.dims().rmsEps(), expectedNormed, L, d);
            assertThat(maxAbsDiff(inputs.get(GroupRole.QKV), expectedNormed)).isZero();
            float[] attention = block.subLayerForward(GroupRole.QKV, inputs.get(GroupRole.QKV), L);
            float[] viaO = block.subLayerForward(GroupRole.O, inputs.get(GroupRole.O), L);
            assertThat(maxAbsDiff(attention, viaO)).isZero();
            float[] mid = x.clone();
            Kernels.axpy(1f, attention, 0, mid, 0, L * d);

            // GATE_UP input is RMSNorm(mid)·ff_norm, the MLP output added to mid is the block output
            Kernels.rmsNorm(mid, block.normWeight(NormRole.FFN), (float) model.dims().rmsEps(), expectedNormed, L, d);
            assertThat(maxAbsDiff(inputs.get(GroupRole.GATE_UP), expectedNormed)).isZero();
            float[] mlp = block.subLayerForward(GroupRole.GATE_UP, inputs.get(GroupRole.GATE_UP), L);
            float[] viaDown = block.subLayerForward(GroupRole.DOWN, inputs.get(GroupRole.DOWN), L);
            assertThat(maxAbsDiff(mlp, viaDown)).isZero();
            Kernels.axpy(1f, mlp, 0, mid, 0, L * d);
            assertThat(maxAbsDiff(mid, y)).isZero();
        }
    }

    /** The resumable forward (GPTQ's kept stages) cuts the block's own kernels at the group inputs: bit-identical. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void stageWalkReproducesTheForwardBitForBit(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models", name))) {
            int L = IDS.length;
            QuantizableBlock block = model.block(1);
            float[] x = model.embed(IDS);
            float[] xBefore = x.clone();
            Map<GroupRole, float[]> inputs = new EnumMap<>(GroupRole.class);
            float[] y = block.forward(x, L, (group, input, tokens) -> inputs.put(group, input.clone()));
            BlockStage stage = block.beginStage(x, L);
            for (GroupRole role : GroupRole.values()) {
                assertThat(stage.next()).isEqualTo(role);
                assertThat(stage.groupInput()).as("%s input", role).containsExactly(inputs.get(role));
                stage = block.advance(stage);
            }
            assertThat(stage.done()).isTrue();
            assertThat(stage.residual()).containsExactly(y);
            assertThat(x).as("the block input is not modified").containsExactly(xBefore);
            BlockStage finished = stage;
            assertThatThrownBy(() -> block.advance(finished)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("done");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void replacingLayersThroughTheSpiChangesTheModel(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models", name))) {
            float[] before = model.logits(IDS);
            QuantizableBlock block = model.block(0);

            // a norm gain scaled by s with q/k/v columns scaled by 1/s leaves the model unchanged (up to rounding)
            float[] gain = block.normWeight(NormRole.ATTENTION);
            float s = 2f;
            for (int i = 0; i < gain.length; i++) {
                gain[i] *= s;
            }
            block.setNormWeight(NormRole.ATTENTION, gain);
            for (LinearRole role : new LinearRole[] {LinearRole.Q, LinearRole.K, LinearRole.V}) {
                Linear l = block.linear(role);
                float[] w = l.effectiveWeight();
                for (int i = 0; i < w.length; i++) {
                    w[i] /= s;
                }
                block.setLinear(role, DenseLinear.of(w, l.bias(), l.outFeatures(), l.inFeatures()));
            }
            assertThat(maxAbsDiff(model.logits(IDS), before)).isLessThanOrEqualTo(1e-4);

            // zeroing the down projection of block 0 changes the logits
            Linear down = block.linear(LinearRole.DOWN);
            block.setLinear(LinearRole.DOWN, DenseLinear.of(new float[down.outFeatures() * down.inFeatures()], null,
                    down.outFeatures(), down.inFeatures()));
            assertThat(maxAbsDiff(model.logits(IDS), before)).isGreaterThan(1e-2);

            // wrong shapes are refused with the role named
            assertThatThrownBy(() -> block.setLinear(LinearRole.Q, down))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q");
            assertThatThrownBy(() -> model.setLmHead(down)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("LM head");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void embeddingsFinalNormAndHeadAreReplaceable(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models", name))) {
            float[] before = model.logits(IDS);
            float[] original = model.embeddings();
            float[] table = original.clone();
            float[] gain = model.finalNormWeight();
            Linear head = model.lmHead();
            // new embeddings are what embed() returns and change the logits
            for (int i = 0; i < table.length; i++) {
                table[i] *= 3f;
            }
            model.setEmbeddings(table);
            assertThat(model.embed(new int[] {7})).containsExactly(java.util.Arrays.copyOfRange(table,
                    7 * model.dims().hidden(), 8 * model.dims().hidden()));
            assertThat(maxAbsDiff(model.logits(IDS), before)).isGreaterThan(1e-2);
            model.setEmbeddings(original);
            // the final norm gain doubled with the head halved is the same model
            for (int i = 0; i < gain.length; i++) {
                gain[i] *= 2f;
            }
            model.setFinalNormWeight(gain);
            float[] w = head.effectiveWeight();
            for (int i = 0; i < w.length; i++) {
                w[i] *= 0.5f;
            }
            model.setLmHead(DenseLinear.of(w, null, head.outFeatures(), head.inFeatures()));
            assertThat(maxAbsDiff(model.logits(IDS), before)).isLessThanOrEqualTo(1e-4);
        }
    }

    @org.junit.jupiter.api.Test
    void dreamReportsGroupedQueryAttentionAndItsNames() throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/tiny-dream"))) {
            assertThat(model.dims().groupedQueryAttention()).isTrue();
            assertThat(model.dims().kvHeads()).isEqualTo(2);
            assertThat(model.block(2).name(LinearRole.K)).isEqualTo("model.layers.2.self_attn.k_proj");
            assertThat(model.block(0).linear(LinearRole.K).outFeatures()).isEqualTo(64);
            assertThat(model.block(0).linear(LinearRole.Q).bias()).isNotNull();
        }
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/tiny-llada"))) {
            assertThat(model.dims().groupedQueryAttention()).isFalse();
            assertThat(model.block(5).name(LinearRole.DOWN)).isEqualTo("model.transformer.blocks.5.ff_out");
            assertThat(model.block(0).linear(LinearRole.Q).bias()).isNull();
        }
    }

    /** Logits computed only through the SPI: embed, blocks, final norm, head. */
    static float[] spiLogits(QuantizableModel model, int[] ids) {
        int L = ids.length;
        int d = model.dims().hidden();
        float[] h = model.embed(ids);
        for (int b = 0; b < model.blockCount(); b++) {
            h = model.block(b).forward(h, L, io.github.dllmquant.core.spi.ActivationObserver.NONE);
        }
        float[] normed = new float[L * d];
        Kernels.rmsNorm(h, model.finalNormWeight(), (float) model.dims().rmsEps(), normed, L, d);
        float[] logits = new float[L * model.lmHead().outFeatures()];
        model.lmHead().forward(normed, L, logits);
        return logits;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
