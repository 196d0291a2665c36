package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The checkpoint tensor names of each architecture (dllm-runtime.md §1, §2) and the full list of
 * tensors, with shapes, that a dense checkpoint of a given config must hold. Both families share the
 * LLaMA-style block; they differ only in these names, in q/k/v biases and in the logits shift.
 */
public enum TensorNames {

    /** LLaDA: OLMo-derived names under {@code model.transformer}. */
    LLADA("model.transformer.wte.weight", "model.transformer.blocks.", "model.transformer.ln_f.weight",
            "model.transformer.ff_out", "attn_norm", "ff_norm",
            "q_proj", "k_proj", "v_proj", "attn_out", "ff_proj", "up_proj", "ff_out"),

    /** Dream: Qwen2 names. */
    DREAM("model.embed_tokens.weight", "model.layers.", "model.norm.weight",
            "lm_head", "input_layernorm", "post_attention_layernorm",
            "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    private final String embedding;
    private final String blockPrefix;
    private final String finalNorm;
    private final String lmHead;
    private final String attentionNorm;
    private final String ffnNorm;
    private final String[] linears; // indexed by LinearRole.ordinal()

    TensorNames(String embedding, String blockPrefix, String finalNorm, String lmHead, String attentionNorm,
                String ffnNorm, String q, String k, String v, String o, String gate, String up, String down) {
        this.embedding = embedding;
        this.blockPrefix = blockPrefix;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.attentionNorm = attentionNorm;
        this.ffnNorm = ffnNorm;
        this.linears = new String[] {q, k, v, o, gate, up, down};
    }

    /** A weight's name without its {@code .weight} suffix: the prefix quantized tensors are stored under. */
    static String layerPrefix(String weightName) {
        return weightName.endsWith(".weight") ? weightName.substring(0, weightName.length() - ".weight".length())
                : weightName;
    }

    /** The names of an architecture. */
    public static TensorNames of(Architecture architecture) {
        return switch (architecture) {
            case LLADA -> LLADA;
            case DREAM -> DREAM;
        };
    }

    /** The embedding table's tensor name. */
    public String embedding() {
        return embedding;
    }

    /** The final norm's gain tensor name. */
    public String finalNorm() {
        return finalNorm;
    }

    /** The LM head's name without the {@code .weight} suffix. */
    public String lmHead() {
        return lmHead;
    }

    /** A block linear's name without suffix, e.g. {@code model.transformer.blocks.3.q_proj}. */
    public String linear(int block, LinearRole role) {
        return blockPrefix + block + "." + linears[role.ordinal()];
    }

    /** A block norm's gain tensor name, e.g. {@code model.layers.2.input_layernorm.weight}. */
    public String norm(int block, NormRole role) {
        return blockPrefix + block + "." + (role == NormRole.ATTENTION ? attentionNorm : ffnNorm) + ".weight";
    }

    /**
     * Every tensor a dense checkpoint of {@code config} must hold, with its shape, in checkpoint
     * order (embeddings, blocks, final norm, head). Used to validate a folder before anything is loaded.
     */
    public List<TensorSpec> expected(ModelConfig config) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(new TensorSpec(embedding, config.embeddingSize(), config.hidden()));
        for (int b = 0; b < config.layers(); b++) {
            specs.add(new TensorSpec(norm(b, NormRole.ATTENTION), config.hidden()));
            for (LinearRole role : LinearRole.values()) {
                if (role == LinearRole.GATE) {
                    specs.add(new TensorSpec(norm(b, NormRole.FFN), config.hidden()));
                }
                String name = linear(b, role);
                specs.add(new TensorSpec(name + ".weight", LayerShapes.out(config, role), LayerShapes.in(config, role)));
                if (LayerShapes.hasBias(config, role)) {
                    specs.add(new TensorSpec(name + ".bias", LayerShapes.out(config, role)));
                }
            }
        }
        specs.add(new TensorSpec(finalNorm, config.hidden()));
        if (!config.tiedEmbeddings()) {
            specs.add(new TensorSpec(lmHead + ".weight", config.embeddingSize(), config.hidden()));
        }
        return specs;
    }

    /**
     * A tensor name with its expected shape.
     *
     * @param name  checkpoint name
     * @param shape dimensions, outermost first
     */
    public record TensorSpec(String name, long... shape) {

        public TensorSpec {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorSpec t && t.name.equals(name) && Arrays.equals(t.shape, shape);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape);
        }
    }
}
