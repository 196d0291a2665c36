package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;

import java.util.ArrayList;
import java.util.List;

/**
 * The two diffusion LM families and their checkpoint tensor names. Both use the same LLaMA-style
 * block (pre-norm attention and SwiGLU MLP, bidirectional attention); they differ only in names, in
 * which linears carry biases, and in how logits are read (LLaDA: row i predicts token i; Dream: the
 * autoregressive convention, row i−1 predicts token i, see dllm-runtime.md §1 and §2).
 */
public enum Architecture {

    /** LLaDA ({@code model_type: llada}): OLMo-derived names under {@code model.transformer}. */
    LLADA("model.transformer.wte.weight", "model.transformer.blocks.", "model.transformer.ln_f.weight",
            "model.transformer.ff_out", "attn_norm", "ff_norm",
            "q_proj", "k_proj", "v_proj", "attn_out", "ff_proj", "up_proj", "ff_out", false),

    /** Dream ({@code model_type: Dream}): Qwen2 names, shifted logits. */
    DREAM("model.embed_tokens.weight", "model.layers.", "model.norm.weight",
            "lm_head", "input_layernorm", "post_attention_layernorm",
            "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", true);

    private final String embedding;
    private final String blockPrefix;
    private final String finalNorm;
    private final String lmHead;
    private final String attentionNorm;
    private final String ffnNorm;
    private final String[] linears; // indexed by LinearRole.ordinal()
    private final boolean shiftedLogits;

    Architecture(String embedding, String blockPrefix, String finalNorm, String lmHead, String attentionNorm,
                 String ffnNorm, String q, String k, String v, String o, String gate, String up, String down,
                 boolean shiftedLogits) {
        this.embedding = embedding;
        this.blockPrefix = blockPrefix;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.attentionNorm = attentionNorm;
        this.ffnNorm = ffnNorm;
        this.linears = new String[] {q, k, v, o, gate, up, down};
        this.shiftedLogits = shiftedLogits;
        assert linears.length == LinearRole.values().length;
    }

    /** Whether the logit row of position i−1 predicts the token at position i (Dream). */
    public boolean shiftedLogits() {
        return shiftedLogits;
    }

    /** The embedding table's tensor name. */
    public String embeddingName() {
        return embedding;
    }

    /** The final norm's gain tensor name. */
    public String finalNormName() {
        return finalNorm;
    }

    /** The LM head's name without the {@code .weight} suffix. */
    public String lmHeadName() {
        return lmHead;
    }

    /** A block linear's name without suffix, e.g. {@code model.transformer.blocks.3.q_proj}. */
    public String linearName(int block, LinearRole role) {
        return blockPrefix + block + "." + linears[role.ordinal()];
    }

    /** A block norm's gain tensor name, e.g. {@code model.layers.2.input_layernorm.weight}. */
    public String normName(int block, NormRole role) {
        return blockPrefix + block + "." + (role == NormRole.ATTENTION ? attentionNorm : ffnNorm) + ".weight";
    }

    /**
     * Every tensor a dense checkpoint of this shape must hold, with its shape, in checkpoint order
     * (embeddings, blocks, final norm, head). Used to validate a folder before anything is loaded and
     * to write one.
     */
    public List<TensorSpec> expectedTensors(ModelShape shape) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(new TensorSpec(embedding, shape.vocab(), shape.hidden()));
        for (int b = 0; b < shape.layers(); b++) {
            specs.add(new TensorSpec(normName(b, NormRole.ATTENTION), shape.hidden()));
            for (LinearRole role : LinearRole.values()) {
                if (role == LinearRole.GATE) {
                    specs.add(new TensorSpec(normName(b, NormRole.FFN), shape.hidden()));
                }
                String name = linearName(b, role);
                specs.add(new TensorSpec(name + ".weight", shape.outFeatures(role), shape.inFeatures(role)));
                if (shape.hasBias(role)) {
                    specs.add(new TensorSpec(name + ".bias", shape.outFeatures(role)));
                }
            }
        }
        specs.add(new TensorSpec(finalNorm, shape.hidden()));
        if (!shape.tiedHead()) {
            specs.add(new TensorSpec(lmHead + ".weight", shape.vocab(), shape.hidden()));
            if (shape.linearBias()) {
                specs.add(new TensorSpec(lmHead + ".bias", shape.vocab()));
            }
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

        /** Number of elements. */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " " + java.util.Arrays.toString(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorSpec t && t.name.equals(name) && java.util.Arrays.equals(t.shape, shape);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + java.util.Arrays.hashCode(shape);
        }
    }
}
