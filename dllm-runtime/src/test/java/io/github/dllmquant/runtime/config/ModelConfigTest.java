package io.github.dllmquant.runtime.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelConfigTest {

    static final Path LLADA = Path.of("../examples/models/tiny-llada");
    static final Path DREAM = Path.of("../examples/models/tiny-dream");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void tinyLladaConfig() throws Exception {
        ModelConfig c = ModelConfig.load(LLADA);
        assertThat(c.architecture()).isEqualTo(Architecture.LLADA);
        assertThat(c.hidden()).isEqualTo(256);
        assertThat(c.layers()).isEqualTo(6);
        assertThat(c.heads()).isEqualTo(8);
        assertThat(c.kvHeads()).isEqualTo(8);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.intermediate()).isEqualTo(768);
        assertThat(c.vocabSize()).isEqualTo(1024);
        assertThat(c.embeddingSize()).isEqualTo(1024);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.rmsEps()).isEqualTo(1e-5);
        assertThat(c.maskTokenId()).isEqualTo(1020);
        assertThat(c.eosTokenId()).isEqualTo(1019);
        assertThat(c.padTokenId()).isEqualTo(1019);
        assertThat(c.bosTokenId()).isEqualTo(1018);
        assertThat(c.maxSequenceLength()).isEqualTo(1024);
        assertThat(c.qkvBias()).isFalse();
        assertThat(c.tiedEmbeddings()).isFalse();
        assertThat(c.scaleLogits()).isFalse();
        assertThat(c.activation()).isEqualTo("silu");
        assertThat(c.dims().vocab()).isEqualTo(1024);
        assertThat(c.kvDim()).isEqualTo(256);
    }

    @Test
    void tinyDreamConfig() throws Exception {
        ModelConfig c = ModelConfig.load(DREAM.resolve("config.json"));
        assertThat(c.architecture()).isEqualTo(Architecture.DREAM);
        assertThat(c.hidden()).isEqualTo(192);
        assertThat(c.layers()).isEqualTo(3);
        assertThat(c.heads()).isEqualTo(6);
        assertThat(c.kvHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.groupSize()).isEqualTo(3);
        assertThat(c.kvDim()).isEqualTo(64);
        assertThat(c.intermediate()).isEqualTo(512);
        assertThat(c.vocabSize()).isEqualTo(1024);
        assertThat(c.embeddingSize()).isEqualTo(1024);
        assertThat(c.ropeTheta()).isEqualTo(1e6);
        assertThat(c.rmsEps()).isEqualTo(1e-6);
        assertThat(c.maskTokenId()).isEqualTo(1020);
        assertThat(c.eosTokenId()).isEqualTo(1019);
        assertThat(c.padTokenId()).isEqualTo(1019);
        assertThat(c.bosTokenId()).isEqualTo(1018);
        assertThat(c.maxSequenceLength()).isEqualTo(1024);
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.tiedEmbeddings()).isFalse();
    }

    @Test
    void dreamDefaultsMatchDreamConfig() throws Exception {
        ObjectNode n = dreamNode();
        n.put("vocab_size", 152064);
        n.remove("mask_token_id");
        n.remove("pad_token_id");
        n.remove("eos_token_id");
        n.remove("bos_token_id");
        n.remove("num_key_value_heads");
        ModelConfig c = ModelConfig.parse(n.toString(), Path.of("config.json"));
        assertThat(c.maskTokenId()).isEqualTo(151666);
        assertThat(c.eosTokenId()).isEqualTo(151643);
        assertThat(c.padTokenId()).isEqualTo(151643);
        assertThat(c.bosTokenId()).isEqualTo(-1);
        assertThat(c.kvHeads()).isEqualTo(6);
    }

    @Test
    void eosListTakesFirst() throws Exception {
        ObjectNode n = dreamNode();
        n.putArray("eos_token_id").add(1022).add(1019);
        assertThat(ModelConfig.parse(n.toString(), Path.of("config.json")).eosTokenId()).isEqualTo(1022);
    }

    @Test
    void lladaMlpRatioAndMultiQuery() throws Exception {
        ObjectNode n = lladaNode();
        n.remove("mlp_hidden_size");
        n.put("mlp_ratio", 3);
        n.remove("n_kv_heads");
        n.put("multi_query_attention", true);
        ModelConfig c = ModelConfig.parse(n.toString(), Path.of("config.json"));
        assertThat(c.intermediate()).isEqualTo(768);
        assertThat(c.kvHeads()).isEqualTo(1);
    }

    @Test
    void unknownModelTypeListsSupported() throws Exception {
        ObjectNode n = lladaNode();
        n.put("model_type", "mistral");
        assertThatThrownBy(() -> ModelConfig.parse(n.toString(), Path.of("m/config.json")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("m/config.json").hasMessageContaining("mistral")
                .hasMessageContaining("llada").hasMessageContaining("Dream");
    }

    @Test
    void invalidFieldsAreNamed() throws Exception {
        expectError(lladaNode().put("n_kv_heads", 3), "n_kv_heads", "multiple");
        expectError(lladaNode().put("n_heads", 6).put("n_kv_heads", 6), "d_model", "divisible");
        expectError(lladaNode().put("d_model", 0), "d_model", "positive");
        expectError(lladaNode().put("d_model", "256"), "d_model", "integer");
        expectError(lladaNode().put("d_model", 2.5), "d_model", "integer");
        expectError(lladaNode().put("d_model", 1e12), "d_model", "integer");
        expectError(withoutField(lladaNode(), "n_layers"), "n_layers", "missing");
        expectError(lladaNode().put("activation_type", "gelu"), "activation_type", "gelu");
        expectError(lladaNode().put("block_type", "sequential"), "block_type", "sequential");
        expectError(lladaNode().put("alibi", true), "alibi", "ALiBi");
        expectError(lladaNode().put("include_bias", true), "include_bias", "bias");
        expectError(lladaNode().put("mask_token_id", 5000), "mask_token_id", "outside");
        expectError(withoutField(lladaNode(), "mask_token_id"), "mask_token_id", "126336");
        expectError(lladaNode().put("rms_norm_eps", -1.0), "rms_norm_eps", "positive");
        expectError(lladaNode().put("embedding_size", 1000), "embedding_size", "vocab_size");
        ObjectNode rope = dreamNode();
        rope.putObject("rope_scaling").put("type", "yarn");
        expectError(rope, "rope_scaling", "not supported");
        expectError(dreamNode().put("hidden_act", "gelu"), "hidden_act", "gelu");
        expectError(dreamNode().put("num_key_value_heads", 4), "num_key_value_heads", "multiple");
        expectError(dreamNode().put("use_sliding_window", true), "use_sliding_window", "sliding");
    }

    @Test
    void badJsonIsAFormatError() {
        assertThatThrownBy(() -> ModelConfig.parse("{\"model_type\": \"llada\",", Path.of("x/config.json")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("x/config.json")
                .hasMessageContaining("invalid JSON");
        assertThatThrownBy(() -> ModelConfig.parse("[1,2]", Path.of("x/config.json")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("object");
        assertThatThrownBy(() -> ModelConfig.load(Path.of("does-not-exist/config.json")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("not found");
    }

    @Test
    void builderDefaultsAndChecks() {
        ModelConfig c = ModelConfig.builder(Architecture.LLADA).hidden(2048).heads(16).kvHeads(16).layers(16)
                .intermediate(5632).vocabSize(32000).maskTokenId(31999).eosTokenId(1).padTokenId(1).bosTokenId(0)
                .build();
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.toBuilder().layers(2).build().layers()).isEqualTo(2);
        assertThatThrownBy(() -> c.toBuilder().kvHeads(5).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kvHeads");
    }

    private static void expectError(ObjectNode n, String field, String text) {
        assertThatThrownBy(() -> ModelConfig.parse(n.toString(), Path.of("tiny/config.json")))
                .as(n.toString())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tiny/config.json").hasMessageContaining(field).hasMessageContaining(text);
    }

    private static ObjectNode withoutField(ObjectNode n, String field) {
        n.remove(field);
        return n;
    }

    static ObjectNode lladaNode() throws Exception {
        return (ObjectNode) JSON.readTree(Files.readString(LLADA.resolve("config.json")));
    }

    static ObjectNode dreamNode() throws Exception {
        return (ObjectNode) JSON.readTree(Files.readString(DREAM.resolve("config.json")));
    }
}
