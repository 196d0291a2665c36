package io.github.dllmquant.runtime.config;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * Maps the two config.json dialects onto {@link ModelConfig}, checking every field with the
 * config's own field names in the messages. Defaults are those of the reference configuration
 * classes (LLaDA's OLMo-style {@code ModelConfig}, Dream's {@code DreamConfig}).
 */
final class ModelConfigParser {

    /** LLaDA's generate.py hard-codes this mask id; used when config.json has none. */
    static final int LLADA_DEFAULT_MASK_ID = 126336;
    /** LLaDA-8B's {@code <|endoftext|>}. */
    static final int LLADA_DEFAULT_EOS_ID = 126081;
    /** DreamConfig's default {@code mask_token_id}. */
    static final int DREAM_DEFAULT_MASK_ID = 151666;
    /** DreamConfig's default pad / Qwen2's {@code <|endoftext|>}. */
    static final int DREAM_DEFAULT_EOS_ID = 151643;

    private ModelConfigParser() {
    }

    static ModelConfig parse(JsonFields f) throws ModelFormatException {
        String modelType = f.optionalString("model_type").orElseThrow(() -> f.error("model_type",
                "missing; supported model types: " + Architecture.supportedModelTypes()));
        Architecture arch = Architecture.fromModelType(modelType).orElseThrow(() -> f.error("model_type",
                "unsupported model type \"" + modelType + "\"; supported: " + Architecture.supportedModelTypes()));
        ModelConfig config = switch (arch) {
            case LLADA -> llada(f);
            case DREAM -> dream(f);
        };
        return config;
    }

    private static ModelConfig llada(JsonFields f) throws ModelFormatException {
        int hidden = positive(f, "d_model", f.requireInt("d_model"));
        int layers = positive(f, "n_layers", f.requireInt("n_layers"));
        int heads = positive(f, "n_heads", f.requireInt("n_heads"));
        OptionalInt kvField = f.optionalInt("n_kv_heads");
        // OLMo: n_kv_heads unset means multi-head attention, or one KV head under multi_query_attention
        int kvHeads = kvField.isPresent() ? kvField.getAsInt() : (f.bool("multi_query_attention", false) ? 1 : heads);
        positive(f, "n_kv_heads", kvHeads);
        requireDivisible(f, "n_heads", heads, "n_kv_heads", kvHeads);
        if (hidden % heads != 0) {
            throw f.error("d_model", "d_model (" + hidden + ") must be divisible by n_heads (" + heads + ")");
        }
        OptionalInt mlpField = f.optionalInt("mlp_hidden_size");
        int intermediate;
        if (mlpField.isPresent()) {
            intermediate = positive(f, "mlp_hidden_size", mlpField.getAsInt());
        } else {
            int ratio = positive(f, "mlp_ratio", f.optionalInt("mlp_ratio").orElse(4));
            long width = (long) ratio * hidden;
            if (width > Integer.MAX_VALUE) {
                throw f.error("mlp_ratio", "mlp_ratio * d_model overflows: " + width);
            }
            intermediate = (int) width;
        }
        int vocab = positive(f, "vocab_size", f.requireInt("vocab_size"));
        int embedding = positive(f, "embedding_size", f.optionalInt("embedding_size").orElse(vocab));
        if (embedding < vocab) {
            throw f.error("embedding_size", "embedding_size (" + embedding + ") must be >= vocab_size (" + vocab + ")");
        }
        String activation = f.optionalString("activation_type").orElse(ModelConfig.SILU).toLowerCase(Locale.ROOT);
        if (!activation.equals(ModelConfig.SILU)) {
            throw f.error("activation_type", "unsupported activation \"" + activation
                    + "\"; LLaDA's llama block supports: silu");
        }
        String blockType = f.optionalString("block_type").orElse("llama");
        if (!blockType.equals("llama")) {
            throw f.error("block_type", "unsupported block type \"" + blockType + "\"; supported: llama");
        }
        requireFalse(f, "alibi", "ALiBi attention is not supported (RoPE only)");
        if (!f.bool("rope", true)) {
            throw f.error("rope", "models without RoPE are not supported");
        }
        requireFalse(f, "input_emb_norm", "an embedding norm is not supported");
        requireFalse(f, "attention_layer_norm", "q/k layer norms are not supported");
        requireFalse(f, "bias_for_layer_norm", "layer norm biases are not supported");
        if (!f.bool("layer_norm_with_affine", true)) {
            throw f.error("layer_norm_with_affine", "norms without weights are not supported");
        }
        String normType = f.optionalString("layer_norm_type").orElse("rms");
        if (!normType.equals("rms")) {
            throw f.error("layer_norm_type", "unsupported norm \"" + normType + "\"; supported: rms");
        }
        requireFalse(f, "include_bias", "biases on every linear layer are not supported (include_qkv_bias is)");
        if (f.has("clip_qkv")) {
            throw f.error("clip_qkv", "clipping q/k/v is not supported");
        }
        int mask = f.optionalInt("mask_token_id").orElse(LLADA_DEFAULT_MASK_ID);
        int eos = f.optionalIntOrFirst("eos_token_id").orElse(LLADA_DEFAULT_EOS_ID);
        int pad = f.optionalInt("pad_token_id").orElse(eos);
        int bos = f.optionalInt("bos_token_id").orElse(-1);
        return build(f, Architecture.LLADA, hidden, layers, heads, kvHeads, hidden / heads, intermediate, vocab,
                embedding,
                positiveDouble(f, "rope_theta", f.optionalDouble("rope_theta").orElse(10000.0)),
                positiveDouble(f, "rms_norm_eps", f.optionalDouble("rms_norm_eps").orElse(1e-5)),
                mask, eos, pad, bos,
                positive(f, "max_sequence_length", f.optionalInt("max_sequence_length").orElse(1024)),
                f.bool("include_qkv_bias", false),
                f.bool("weight_tying", true),
                f.bool("scale_logits", false),
                activation);
    }

    private static ModelConfig dream(JsonFields f) throws ModelFormatException {
        int hidden = positive(f, "hidden_size", f.requireInt("hidden_size"));
        int layers = positive(f, "num_hidden_layers", f.requireInt("num_hidden_layers"));
        int heads = positive(f, "num_attention_heads", f.requireInt("num_attention_heads"));
        int kvHeads = positive(f, "num_key_value_heads", f.optionalInt("num_key_value_heads").orElse(heads));
        requireDivisible(f, "num_attention_heads", heads, "num_key_value_heads", kvHeads);
        OptionalInt headDimField = f.optionalInt("head_dim");
        int headDim;
        if (headDimField.isPresent()) {
            headDim = positive(f, "head_dim", headDimField.getAsInt());
        } else {
            if (hidden % heads != 0) {
                throw f.error("hidden_size", "hidden_size (" + hidden + ") must be divisible by num_attention_heads ("
                        + heads + ")");
            }
            headDim = hidden / heads;
        }
        int intermediate = positive(f, "intermediate_size", f.requireInt("intermediate_size"));
        int vocab = positive(f, "vocab_size", f.requireInt("vocab_size"));
        String activation = f.optionalString("hidden_act").orElse(ModelConfig.SILU).toLowerCase(Locale.ROOT);
        if (!activation.equals(ModelConfig.SILU)) {
            throw f.error("hidden_act", "unsupported activation \"" + activation + "\"; supported: silu");
        }
        if (f.has("rope_scaling")) {
            throw f.error("rope_scaling", "RoPE scaling is not supported (expected null)");
        }
        requireFalse(f, "use_sliding_window", "sliding-window attention is not supported");
        int eos = f.optionalIntOrFirst("eos_token_id").orElse(DREAM_DEFAULT_EOS_ID);
        return build(f, Architecture.DREAM, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, vocab,
                positiveDouble(f, "rope_theta", f.optionalDouble("rope_theta").orElse(10000.0)),
                positiveDouble(f, "rms_norm_eps", f.optionalDouble("rms_norm_eps").orElse(1e-6)),
                f.optionalInt("mask_token_id").orElse(DREAM_DEFAULT_MASK_ID),
                eos,
                f.optionalInt("pad_token_id").orElse(DREAM_DEFAULT_EOS_ID),
                f.optionalInt("bos_token_id").orElse(-1),
                positive(f, "max_position_embeddings", f.optionalInt("max_position_embeddings").orElse(32768)),
                true,
                f.bool("tie_word_embeddings", false),
                false,
                activation);
    }

    private static ModelConfig build(JsonFields f, Architecture arch, int hidden, int layers, int heads, int kvHeads,
                                     int headDim, int intermediate, int vocab, int embedding, double ropeTheta,
                                     double rmsEps, int mask, int eos, int pad, int bos, int maxLen, boolean qkvBias,
                                     boolean tied, boolean scaleLogits, String activation) throws ModelFormatException {
        tokenId(f, "mask_token_id", mask, embedding, false);
        tokenId(f, "eos_token_id", eos, embedding, false);
        tokenId(f, "pad_token_id", pad, embedding, false);
        tokenId(f, "bos_token_id", bos, embedding, true);
        try {
            return new ModelConfig(arch, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, embedding,
                    ropeTheta, rmsEps, mask, eos, pad, bos, maxLen, qkvBias, tied, scaleLogits, activation);
        } catch (IllegalArgumentException e) {
            // every field was checked above; this only guards a check the parser might have missed
            throw ModelFormatException.of(f.file(), e.getMessage(), e);
        }
    }

    private static void tokenId(JsonFields f, String field, int id, int rows, boolean optional)
            throws ModelFormatException {
        if (optional && id == -1) {
            return;
        }
        if (id < 0 || id >= rows) {
            String origin = f.has(field) ? "" : " (default, the field is absent)";
            throw f.error(field, field + " " + id + origin + " is outside the embedding table of " + rows + " rows");
        }
    }

    private static int positive(JsonFields f, String field, int value) throws ModelFormatException {
        if (value <= 0) {
            throw f.error(field, "must be positive, got " + value);
        }
        return value;
    }

    private static double positiveDouble(JsonFields f, String field, double value) throws ModelFormatException {
        if (!(value > 0)) {
            throw f.error(field, "must be positive, got " + value);
        }
        return value;
    }

    private static void requireDivisible(JsonFields f, String headsField, int heads, String kvField, int kvHeads)
            throws ModelFormatException {
        if (heads % kvHeads != 0) {
            throw f.error(kvField, headsField + " (" + heads + ") must be a multiple of " + kvField + " (" + kvHeads + ")");
        }
    }

    private static void requireFalse(JsonFields f, String field, String why) throws ModelFormatException {
        if (f.bool(field, false)) {
            throw f.error(field, why);
        }
    }
}
