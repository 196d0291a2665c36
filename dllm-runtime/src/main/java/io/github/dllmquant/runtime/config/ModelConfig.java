package io.github.dllmquant.runtime.config;

import io.github.dllmquant.core.spi.ModelDims;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The architecture facts of a model folder's config.json, under names common to LLaDA and Dream
 * (dllm-runtime.md §1, §2). Parse with {@link #load(Path)}; build by hand (tests, benchmarks) with
 * {@link #builder(Architecture)}.
 *
 * @param architecture      LLaDA or Dream
 * @param hidden            residual width ({@code d_model} / {@code hidden_size})
 * @param layers            transformer blocks ({@code n_layers} / {@code num_hidden_layers})
 * @param heads             query heads
 * @param kvHeads           key/value heads (divides {@code heads})
 * @param headDim           width of one head
 * @param intermediate      width of each SwiGLU branch ({@code mlp_hidden_size} / {@code intermediate_size})
 * @param vocabSize         tokenizer vocabulary ({@code vocab_size})
 * @param embeddingSize     rows of the embedding and the LM head (LLaDA {@code embedding_size}; Dream: vocab_size)
 * @param ropeTheta         RoPE base
 * @param rmsEps            RMSNorm epsilon
 * @param maskTokenId       the diffusion mask token
 * @param eosTokenId        end of sequence
 * @param padTokenId        padding (defaults to eos)
 * @param bosTokenId        beginning of sequence, or {@code -1} when the config names none
 * @param maxSequenceLength longest sequence the positions were trained for
 * @param qkvBias           q/k/v projections have biases
 * @param tiedEmbeddings    the LM head is the embedding table
 * @param scaleLogits       multiply logits by {@code 1/sqrt(hidden)} (LLaDA {@code scale_logits})
 * @param activation        the gate activation of the MLP (only {@code "silu"} is supported)
 */
public record ModelConfig(Architecture architecture, int hidden, int layers, int heads, int kvHeads, int headDim,
                          int intermediate, int vocabSize, int embeddingSize, double ropeTheta, double rmsEps,
                          int maskTokenId, int eosTokenId, int padTokenId, int bosTokenId, int maxSequenceLength,
                          boolean qkvBias, boolean tiedEmbeddings, boolean scaleLogits, String activation) {

    /** The only MLP activation of both reference architectures. */
    public static final String SILU = "silu";

    public ModelConfig {
        if (architecture == null) {
            throw new IllegalArgumentException("architecture must not be null");
        }
        requirePositive("hidden", hidden);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("kvHeads", kvHeads);
        requirePositive("headDim", headDim);
        requirePositive("intermediate", intermediate);
        requirePositive("vocabSize", vocabSize);
        requirePositive("embeddingSize", embeddingSize);
        requirePositive("maxSequenceLength", maxSequenceLength);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
        }
        if (embeddingSize < vocabSize) {
            throw new IllegalArgumentException("embeddingSize (" + embeddingSize + ") must be >= vocabSize (" + vocabSize + ")");
        }
        if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("ropeTheta must be positive and finite, got " + ropeTheta);
        }
        if (!(rmsEps > 0) || !Double.isFinite(rmsEps)) {
            throw new IllegalArgumentException("rmsEps must be positive and finite, got " + rmsEps);
        }
        requireTokenId("maskTokenId", maskTokenId, embeddingSize, false);
        requireTokenId("eosTokenId", eosTokenId, embeddingSize, false);
        requireTokenId("padTokenId", padTokenId, embeddingSize, false);
        requireTokenId("bosTokenId", bosTokenId, embeddingSize, true);
        if (!SILU.equals(activation)) {
            throw new IllegalArgumentException("activation must be \"silu\", got " + activation);
        }
    }

    /** Reads {@code config.json} of a model folder, or the given file when {@code path} is a file. */
    public static ModelConfig load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        return ModelConfigParser.parse(JsonFields.read(file));
    }

    /** Parses config.json text; {@code source} names it in error messages. */
    public static ModelConfig parse(String json, Path source) throws ModelFormatException {
        return ModelConfigParser.parse(JsonFields.parse(source, json));
    }

    /** The shape facts quantization methods see (vocab = embedding rows). */
    public ModelDims dims() {
        return new ModelDims(hidden, heads, kvHeads, headDim, intermediate, embeddingSize, maskTokenId, rmsEps);
    }

    /** Query heads served by each key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Width of the key and value projections ({@code kvHeads * headDim}). */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** True when the config names a BOS token. */
    public boolean hasBos() {
        return bosTokenId >= 0;
    }

    /** A builder pre-filled with this config. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * A builder with small LLaDA-like defaults (hidden 256, 2 layers, 4 heads, MLP 512, vocab 1024, mask 1020,
     * eos/pad 1019, bos 1018); head dim follows {@code hidden / heads} unless set.
     */
    public static Builder builder(Architecture architecture) {
        return new Builder(new ModelConfig(architecture, 256, 2, 4, 4, 64, 512, 1024, 1024, 10000.0, 1e-5,
                1020, 1019, 1019, 1018, 1024, architecture == Architecture.DREAM, false, false, SILU))
                .resetHeadDim();
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void requireTokenId(String name, int id, int rows, boolean optional) {
        if ((optional && id == -1) || (id >= 0 && id < rows)) {
            return;
        }
        throw new IllegalArgumentException(name + " " + id + " is outside the embedding table [0, " + rows + ")");
    }

    /** Mutable builder for {@link ModelConfig}; {@link #build()} validates. */
    public static final class Builder {
        private Architecture architecture;
        private int hidden, layers, heads, kvHeads, headDim, intermediate, vocabSize, embeddingSize;
        private double ropeTheta, rmsEps;
        private int maskTokenId, eosTokenId, padTokenId, bosTokenId, maxSequenceLength;
        private boolean qkvBias, tiedEmbeddings, scaleLogits;
        private String activation;
        private boolean headDimSet = true;

        private Builder(ModelConfig c) {
            architecture = c.architecture; hidden = c.hidden; layers = c.layers; heads = c.heads;
            kvHeads = c.kvHeads; headDim = c.headDim; intermediate = c.intermediate; vocabSize = c.vocabSize;
            embeddingSize = c.embeddingSize; ropeTheta = c.ropeTheta; rmsEps = c.rmsEps;
            maskTokenId = c.maskTokenId; eosTokenId = c.eosTokenId; padTokenId = c.padTokenId;
            bosTokenId = c.bosTokenId; maxSequenceLength = c.maxSequenceLength; qkvBias = c.qkvBias;
            tiedEmbeddings = c.tiedEmbeddings; scaleLogits = c.scaleLogits; activation = c.activation;
        }

        private Builder resetHeadDim() {
            headDimSet = false;
            return this;
        }

        /** @see ModelConfig#hidden() */
        public Builder hidden(int v) { hidden = v; return this; }
        /** @see ModelConfig#layers() */
        public Builder layers(int v) { layers = v; return this; }
        /** @see ModelConfig#heads() */
        public Builder heads(int v) { heads = v; return this; }
        /** @see ModelConfig#kvHeads() */
        public Builder kvHeads(int v) { kvHeads = v; return this; }
        /** @see ModelConfig#headDim() */
        public Builder headDim(int v) { headDim = v; headDimSet = true; return this; }
        /** @see ModelConfig#intermediate() */
        public Builder intermediate(int v) { intermediate = v; return this; }
        /** Sets the vocabulary and the embedding rows. @see ModelConfig#vocabSize() */
        public Builder vocabSize(int v) { vocabSize = v; embeddingSize = Math.max(embeddingSize, v); return this; }
        /** @see ModelConfig#embeddingSize() */
        public Builder embeddingSize(int v) { embeddingSize = v; return this; }
        /** @see ModelConfig#ropeTheta() */
        public Builder ropeTheta(double v) { ropeTheta = v; return this; }
        /** @see ModelConfig#rmsEps() */
        public Builder rmsEps(double v) { rmsEps = v; return this; }
        /** @see ModelConfig#maskTokenId() */
        public Builder maskTokenId(int v) { maskTokenId = v; return this; }
        /** @see ModelConfig#eosTokenId() */
        public Builder eosTokenId(int v) { eosTokenId = v; return this; }
        /** @see ModelConfig#padTokenId() */
        public Builder padTokenId(int v) { padTokenId = v; return this; }
        /** @see ModelConfig#bosTokenId() */
        public Builder bosTokenId(int v) { bosTokenId = v; return this; }
        /** @see ModelConfig#maxSequenceLength() */
        public Builder maxSequenceLength(int v) { maxSequenceLength = v; return this; }
        /** @see ModelConfig#qkvBias() */
        public Builder qkvBias(boolean v) { qkvBias = v; return this; }
        /** @see ModelConfig#tiedEmbeddings() */
        public Builder tiedEmbeddings(boolean v) { tiedEmbeddings = v; return this; }
        /** @see ModelConfig#scaleLogits() */
        public Builder scaleLogits(boolean v) { scaleLogits = v; return this; }
        /** @see ModelConfig#activation() */
        public Builder activation(String v) { activation = v; return this; }

        /** Validates and builds; head dim defaults to {@code hidden / heads} when not set. */
        public ModelConfig build() {
            int hd = headDim;
            if (!headDimSet) {
                if (heads <= 0 || hidden % heads != 0) {
                    throw new IllegalArgumentException("hidden (" + hidden + ") must be divisible by heads (" + heads + ")");
                }
                hd = hidden / heads;
            }
            return new ModelConfig(architecture, hidden, layers, heads, kvHeads, hd, intermediate, vocabSize,
                    embeddingSize, ropeTheta, rmsEps, maskTokenId, eosTokenId, padTokenId, bosTokenId,
                    maxSequenceLength, qkvBias, tiedEmbeddings, scaleLogits, activation);
        }
    }
}
