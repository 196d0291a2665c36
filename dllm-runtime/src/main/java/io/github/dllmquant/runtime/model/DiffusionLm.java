package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.Kernels;
import io.github.dllmquant.core.kernels.RopeTable;
import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.ModelDims;
import io.github.dllmquant.core.spi.QuantizableModel;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A loaded diffusion language model (LLaDA or Dream): embeddings, a stack of
 * {@link TransformerBlock}s, the final RMSNorm and the LM head, each projection a pluggable
 * {@link Linear} (dense after loading; quantization methods replace them in place through the
 * {@link QuantizableModel} SPI).
 *
 * <p>Thread safety: {@link #logits} and {@link #forward} keep all state in per-call buffers and
 * only read the shared weights, so one instance serves concurrent calls. Replacing layers (the SPI
 * setters) must not overlap with forward calls.
 *
 * <pre>{@code
 * try (DiffusionLm model = DiffusionLm.load(Path.of("examples/models/tiny-llada"))) {
 *     float[] logits = model.forward(ids);   // [ids.length, vocabSize()], row i predicts token i
 * }
 * }</pre>
 */
public final class DiffusionLm implements QuantizableModel, AutoCloseable {

    private final ModelConfig config;
    private final Path folder;                // null for models built in code
    private final TransformerBlock[] blocks;
    private final RopeTable rope;
    private final AutoCloseable resources;    // mapped checkpoint while weights are read in place, else null
    private volatile EmbeddingTable embedding; // (vocab, hidden) wte / embed_tokens
    private volatile float[] finalNorm;        // (hidden) ln_f / norm
    private volatile Linear lmHead;            // (vocab, hidden) ff_out / lm_head

    DiffusionLm(ModelConfig config, Path folder, EmbeddingTable embedding, TransformerBlock[] blocks,
                float[] finalNorm, Linear lmHead, RopeTable rope, AutoCloseable resources) {
        this.config = config;
        this.folder = folder;
        this.embedding = embedding;
        this.blocks = blocks.clone();
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = rope;
        this.resources = resources;
        checkHead(lmHead);
    }

    /** Loads a Hugging Face model folder with F32 weights. */
    public static DiffusionLm load(Path folder) throws IOException {
        return load(folder, LoadOptions.defaults());
    }

    /**
     * Loads a Hugging Face model folder (config.json and model.safetensors or a sharded index).
     *
     * @throws io.github.dllmquant.runtime.config.ModelFormatException if the config or the tensors do not
     *         describe a supported model (missing tensors and wrong shapes are listed, NaN/Inf weights named)
     */
    public static DiffusionLm load(Path folder, LoadOptions options) throws IOException {
        return CheckpointLoader.load(folder, options);
    }

    /**
     * A model of the given geometry with seeded random weights (uniform, scaled by {@code 1/sqrt(in)}),
     * for benchmarks and tests. F32 weights on the heap.
     */
    public static DiffusionLm random(ModelConfig config, long seed) {
        return RandomWeights.build(config, seed);
    }

    /**
     * The LLaDA-shaped benchmark geometry of about 1 B parameters: {@code d_model} 2048, 16 layers, 16
     * heads of 128, MLP 5632, vocabulary 1024 (small, so the LM head does not dominate). Build it with
     * {@link #random}; its F32 weights take about 3.3 GB (packed off the heap by DenseLinear).
     */
    public static ModelConfig benchmarkConfig1B() {
        return RandomWeights.lladaBenchmarkConfig();
    }

    /** The model's config. */
    public ModelConfig config() {
        return config;
    }

    /** The architecture. */
    public Architecture architecture() {
        return config.architecture();
    }

    /** The folder the model was loaded from, if any. */
    public Optional<Path> folder() {
        return Optional.ofNullable(folder);
    }

    /** Columns of the logits: rows of the LM head ({@code embedding_size}, which may exceed {@code vocab_size}). */
    public int vocabSize() {
        return config.embeddingSize();
    }

    /**
     * Logits in the model's own convention: {@code [ids.length, vocabSize()]}, row i is the output at
     * position i (Dream's raw, unshifted rows). LLaDA with {@code scale_logits} is scaled here.
     */
    public float[] logits(int[] ids) {
        return fullForward(ids);
    }

    /**
     * {@link #logits(int[])} of several independent sequences in one pass: their rows are stacked so that
     * every projection runs once on all of them (much faster than one call per sequence for short
     * sequences); attention stays within each sequence. Element {@code i} of the result is
     * {@code [sequences.get(i).length, vocabSize()]}, equal to {@code logits(sequences.get(i))} up to the
     * GEMM's summation order. Safe to call concurrently.
     */
    public float[][] logits(java.util.List<int[]> sequences) {
        if (sequences.isEmpty()) {
            return new float[0][];
        }
        if (sequences.size() == 1) {
            return new float[][]{logits(sequences.getFirst())};
        }
        int[] lengths = new int[sequences.size()];
        int rows = 0;
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = checkIds(sequences.get(i));
            rows += lengths[i];
        }
        int dim = config.hidden();
        EmbeddingTable wte = embedding;
        float[] x = new float[rows * dim];
        int row = 0;
        for (int[] ids : sequences) {
            for (int id : ids) {
                wte.copyRow(id, x, row++ * dim);
            }
        }
        for (TransformerBlock block : blocks) {
            block.forwardBatchInPlace(x, lengths);
        }
        float[] all = head(x, rows);
        int vocab = vocabSize();
        float[][] out = new float[lengths.length][];
        int first = 0;
        for (int i = 0; i < lengths.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(all, first * vocab, (first + lengths[i]) * vocab);
            first += lengths[i];
        }
        return out;
    }

    /**
     * {@link #logits(java.util.List)} of only some positions of each sequence: element {@code i} is
     * {@code [rows.get(i).length, vocabSize()]}, the raw rows (model convention, Dream unshifted) of positions
     * {@code rows.get(i)} in that order. Every layer but the last runs on all rows; the last computes keys and
     * values of all rows but attention, MLP and the LM head only for the requested ones. Each returned row has
     * the bits of the same row of {@link #logits(java.util.List)} with two or more sequences (every kernel works
     * row by row). Evaluations that read a few rows (masked positions) use it to skip most of the last layer
     * and the head. Safe to call concurrently.
     *
     * @throws IllegalArgumentException when the lists differ in size or a row is outside its sequence
     */
    public float[][] logitsOfRows(java.util.List<int[]> sequences, java.util.List<int[]> rows) {
        if (sequences.size() != rows.size()) {
            throw new IllegalArgumentException(sequences.size() + " sequences but " + rows.size() + " row lists");
        }
        if (sequences.isEmpty()) {
            return new float[0][];
        }
        int[] lengths = new int[sequences.size()];
        int total = 0;
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = checkIds(sequences.get(i));
            total += lengths[i];
        }
        int dim = config.hidden();
        EmbeddingTable wte = embedding;
        float[] x = new float[total * dim];
        int row = 0;
        for (int[] ids : sequences) {
            for (int id : ids) {
                wte.copyRow(id, x, row++ * dim);
            }
        }
        for (int b = 0; b < blocks.length - 1; b++) {
            blocks[b].forwardBatchInPlace(x, lengths);
        }
        int[][] selected = rows.toArray(new int[0][]);
        float[] picked = blocks.length == 0 ? gather(x, lengths, selected) : blocks[blocks.length - 1]
                .forwardBatchSelected(x, lengths, selected);
        int count = picked.length / dim;
        float[] all = count == 0 ? new float[0] : head(picked, count);
        int vocab = vocabSize();
        float[][] out = new float[selected.length][];
        int first = 0;
        for (int i = 0; i < selected.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(all, first * vocab, (first + selected[i].length) * vocab);
            first += selected[i].length;
        }
        return out;
    }

    /** The selected rows of the stacked residual stream (a model without blocks). */
    private float[] gather(float[] x, int[] lengths, int[][] selected) {
        int dim = config.hidden();
        int picked = 0;
        for (int[] s : selected) {
            picked += s.length;
        }
        float[] out = new float[picked * dim];
        int first = 0;
        int o = 0;
        for (int i = 0; i < lengths.length; i++) {
            for (int t : selected[i]) {
                if (t < 0 || t >= lengths[i]) {
                    throw new IllegalArgumentException("row " + t + " is outside sequence " + i + " of " + lengths[i]
                            + " tokens");
                }
                System.arraycopy(x, (first + t) * dim, out, o++ * dim, dim);
            }
            first += lengths[i];
        }
        return out;
    }

    /** {@link #forward(int[])} of several independent sequences in one pass (see {@link #logits(java.util.List)}). */
    public float[][] forward(java.util.List<int[]> sequences) {
        float[][] raw = logits(sequences);
        if (config.architecture() == Architecture.DREAM) {
            for (int i = 0; i < raw.length; i++) {
                raw[i] = shift(raw[i], sequences.get(i).length, vocabSize());
            }
        }
        return raw;
    }

    /**
     * Starts an approximate KV cache (dllm-runtime.md §6): one full forward on {@code ids} that also keeps
     * every layer's keys (after RoPE) and values of all positions. The returned cache holds only per-call
     * state, so several caches of one model may be used concurrently; its {@link KvCache#logits()} are
     * exactly {@link #logits(int[])} of {@code ids}. The last layer stops at its keys and values: the rest of it
     * and the LM head run when logits are read, for the rows read ({@link KvCache#logitsOfRows}).
     */
    public KvCache startCache(int[] ids) {
        int L = checkIds(ids);
        LayerKv[] layers = new LayerKv[blocks.length];
        float[] x = embedRows(ids, 0, L);
        // the blocks: bidirectional attention and SwiGLU MLP, each added into x, keeping their K/V
        for (int b = 0; b < blocks.length - 1; b++) {
            int layer = b;
            blocks[b].forwardInPlace(x, L, ActivationObserver.NONE, kv -> layers[layer] = kv);
        }
        if (blocks.length == 0) {
            return new KvCache(this, L, layers, null, head(x, L));
        }
        TransformerBlock last = blocks[blocks.length - 1];
        TransformerBlock.Prepared prepared = last.prepareRows(x, 0, L);
        layers[blocks.length - 1] = last.transposedKv(prepared);
        return new KvCache(this, L, layers, prepared, null);
    }

    /**
     * This model as the samplers' {@link io.github.dllmquant.runtime.sampling.LogitsFunction}: full forwards
     * through {@link #logits(int[])} and approximate KV caches through {@link #startCache}, so every
     * {@link io.github.dllmquant.runtime.sampling.CacheMode} works.
     */
    public io.github.dllmquant.runtime.sampling.LogitsFunction asLogitsFunction() {
        return io.github.dllmquant.runtime.sampling.LogitsFunction.withCache(this::logits, this::startCache);
    }

    /**
     * Raw logits of the positions {@code picked} (each in {@code [from, to)}, in output order; null: all of
     * {@code [from, to)}) of {@code ids} against cached keys and values: embeddings and every layer run only on
     * rows {@code [from, to)}, whose attention reads the cache for all other positions; the last layer after its
     * keys and values and the LM head run only for the picked rows.
     */
    float[] cachedRows(int[] ids, int from, int to, LayerKv[] layers, int[] picked) {
        int L = checkIds(ids);
        int rows = to - from;
        int[] local = localRows(picked, from, rows);
        if (local.length == 0) {
            return new float[0];
        }
        float[] x = embedRows(ids, from, rows);
        for (int b = 0; b < blocks.length - 1; b++) {
            blocks[b].forwardRowsInPlace(x, from, rows, layers[b], L, null);
        }
        if (blocks.length == 0) {
            return head(gatherRows(x, local), local.length);
        }
        TransformerBlock last = blocks[blocks.length - 1];
        TransformerBlock.Prepared prepared = last.prepareRows(x, from, rows);
        LayerKv kv = layers[blocks.length - 1];
        return head(last.finishRows(prepared, local, kv.keys(), kv.values(), L, true), local.length);
    }

    /**
     * A partial refresh of rows {@code [0, to)} of {@code ids} against {@code layers}: every layer's cache with the
     * rows' fresh K/V in place of the cached ones goes to {@code refreshed}; returns the last layer's prepared rows
     * (its keys and values are in {@code refreshed}), whose logits {@link #pendingLogits} computes on demand.
     */
    TransformerBlock.Prepared refreshedRows(int[] ids, int to, LayerKv[] layers, LayerKv[] refreshed) {
        int L = checkIds(ids);
        float[] x = embedRows(ids, 0, to);
        for (int b = 0; b < blocks.length - 1; b++) {
            int layer = b;
            blocks[b].forwardRowsInPlace(x, 0, to, layers[b], L, kv -> refreshed[layer] = kv);
        }
        if (blocks.length == 0) {
            return new TransformerBlock.Prepared(x, null, null, null, 0, to);
        }
        TransformerBlock last = blocks[blocks.length - 1];
        TransformerBlock.Prepared prepared = last.prepareRows(x, 0, to);
        refreshed[blocks.length - 1] = last.mergedKv(layers[blocks.length - 1], prepared, L);
        return prepared;
    }

    /**
     * Raw logits of the rows {@code picked} (indices into {@code prepared}'s rows, in output order) of a pass whose
     * last layer stopped at its keys and values ({@link #startCache}, {@link #refreshedRows}): the rest of the last
     * layer over {@code last} (that layer's K/V of all {@code L} positions) and the LM head. The same bits as
     * those rows of the whole pass.
     */
    float[] pendingLogits(TransformerBlock.Prepared prepared, LayerKv last, int L, int[] picked) {
        if (picked.length == 0) {
            return new float[0];
        }
        if (blocks.length == 0) {
            return head(gatherRows(prepared.x(), picked), picked.length);
        }
        return head(blocks[blocks.length - 1].finishRows(prepared, picked, last.keys(), last.values(), L, false),
                picked.length);
    }

    /** Positions {@code picked} (null: all) as indices into rows {@code from..from+rows−1}. */
    private static int[] localRows(int[] picked, int from, int rows) {
        if (picked == null) {
            return TransformerBlock.allRows(rows);
        }
        int[] local = new int[picked.length];
        for (int i = 0; i < picked.length; i++) {
            if (picked[i] < from || picked[i] >= from + rows) {
                throw new IllegalArgumentException("position " + picked[i] + " is outside the computed rows ["
                        + from + ", " + (from + rows) + ")");
            }
            local[i] = picked[i] - from;
        }
        return local;
    }

    /** Rows {@code picked} of the {@code (rows, hidden)} array {@code x}, in that order. */
    private float[] gatherRows(float[] x, int[] picked) {
        int dim = config.hidden();
        float[] out = new float[picked.length * dim];
        for (int i = 0; i < picked.length; i++) {
            System.arraycopy(x, picked[i] * dim, out, i * dim, dim);
        }
        return out;
    }

    /** Token embeddings of positions {@code from..from+rows−1} of {@code ids}. */
    private float[] embedRows(int[] ids, int from, int rows) {
        int dim = config.hidden();
        EmbeddingTable wte = embedding;
        float[] x = new float[rows * dim]; // (rows, hidden) the residual stream
        for (int t = 0; t < rows; t++) {
            wte.copyRow(ids[from + t], x, t * dim);
        }
        return x;
    }

    /** The whole sequence. */
    private float[] fullForward(int[] ids) {
        int L = checkIds(ids);
        // token embedding
        float[] x = embedRows(ids, 0, L);
        // the blocks: bidirectional attention and SwiGLU MLP, each added into x
        for (TransformerBlock block : blocks) {
            block.forwardInPlace(x, L, ActivationObserver.NONE);
        }
        return head(x, L);
    }

    /** Final rmsnorm, LM head and LLaDA's logit scaling on {@code L} rows of the residual stream (overwritten). */
    private float[] head(float[] x, int L) {
        int dim = config.hidden();
        float[] ln = finalNorm;
        Linear head = lmHead;
        // final rmsnorm
        Kernels.rmsNorm(x, ln, (float) config.rmsEps(), x, L, dim);
        // classifier into logits
        int vocab = head.outFeatures();
        float[] logits = new float[L * vocab]; // (L, vocab)
        head.forward(x, L, logits);
        // LLaDA scale_logits: multiply by 1/sqrt(d_model)
        if (config.scaleLogits()) {
            Kernels.scale(logits, 0, logits.length, (float) (1.0 / Math.sqrt(dim)));
        }
        return logits;
    }

    /**
     * Prediction logits {@code [ids.length, vocabSize()]}: row i scores the token at position i. For
     * LLaDA these are {@link #logits}; for Dream the raw rows shifted by one position
     * ({@link #shift}), as its samplers and likelihoods use them. Safe to call concurrently.
     */
    public float[] forward(int[] ids) {
        float[] raw = logits(ids);
        return config.architecture() == Architecture.DREAM ? shift(raw, ids.length, vocabSize()) : raw;
    }

    /**
     * Dream's logits shift {@code concat(logits[:1], logits[:-1])}: the prediction for position i is
     * the row of position i−1, row 0 stays for position 0.
     *
     * @param logits {@code [L, vocab]}
     * @return a new array of the same shape
     */
    public static float[] shift(float[] logits, int L, int vocab) {
        if (L <= 0 || logits.length != (long) L * vocab) {
            throw new IllegalArgumentException("logits has " + logits.length + " values, expected L*vocab = "
                    + L + "*" + vocab);
        }
        float[] out = new float[logits.length];
        System.arraycopy(logits, 0, out, 0, vocab);
        System.arraycopy(logits, 0, out, vocab, (L - 1) * vocab);
        return out;
    }

    private int checkIds(int[] ids) {
        if (ids == null || ids.length == 0) {
            throw new IllegalArgumentException("ids must not be empty");
        }
        if (ids.length > rope.positions()) {
            throw new IllegalArgumentException("sequence of " + ids.length + " tokens exceeds max_sequence_length "
                    + rope.positions());
        }
        int rows = embedding.rows();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= rows) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary [0, " + rows + ")");
            }
        }
        return ids.length;
    }

    /**
     * Writes this model, dense or quantized in place, as a folder that {@link #load} reads back to
     * identical layers: config.json and tokenizer files copied from the source folder, model.safetensors
     * (dense tensors BF16 when lossless, else F32; quantized linears as packed codes, scales and zeros)
     * and quantization_config.json (grids, activation quantizers, online Hadamard transforms). The folder
     * appears atomically: written next to the target, then renamed into place (an existing folder is
     * replaced by rename only).
     *
     * @throws IllegalArgumentException if a layer or transform has no saved form (named in the message)
     * @throws IllegalStateException    if the model was built in code rather than loaded from a folder
     */
    public void save(Path target) throws IOException {
        ModelWriter.save(this, target, SaveFormat.NATIVE);
    }

    /**
     * Writes this model in the given format: {@link SaveFormat#NATIVE} as {@link #save(Path)};
     * {@link SaveFormat#GPTQ} as a GPTQ checkpoint (AutoGPTQ tensor names {@code qweight/qzeros/scales/g_idx},
     * quantize_config.json; v1 zeros when symmetric, gptq_v2 when asymmetric) that other GPTQ tools load,
     * for models whose quantized layers are all weight-only with one bit width, group size and symmetry.
     * Atomic as {@link #save(Path)}.
     *
     * @throws IllegalArgumentException if a layer cannot be written in that format (named in the message)
     */
    public void save(Path target, SaveFormat format) throws IOException {
        ModelWriter.save(this, target, format);
    }

    /**
     * Bytes of all parameters as held now (embedding, linears, norms, head). An online transform shared by
     * several layers (DuQuant's q/k/v and gate/up) is one object in memory and counts once.
     */
    public long parameterBytes() {
        java.util.Set<InputTransform> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long bytes = embedding.bytes() + 4L * config.hidden() + withoutSeenTransforms(lmHead, seen);
        for (TransformerBlock b : blocks) {
            bytes += 8L * config.hidden();
            for (io.github.dllmquant.core.spi.LinearRole role : io.github.dllmquant.core.spi.LinearRole.values()) {
                bytes += withoutSeenTransforms(b.linear(role), seen);
            }
        }
        return bytes;
    }

    /** A layer's bytes minus those of its transforms already counted with an earlier layer; records its transforms. */
    private static long withoutSeenTransforms(Linear layer, java.util.Set<InputTransform> seen) {
        long bytes = layer.parameterBytes();
        Linear base = layer;
        while (base instanceof TransformedLinear t) {
            if (!seen.add(t.transform())) {
                bytes -= t.transform().parameterBytes();
            }
            base = t.inner();
        }
        InputTransform own = base instanceof ActivationQuantizedLinear a ? a.transform()
                : base instanceof WeightOnlyLinear w ? w.transform() : null;
        if (own != null && !seen.add(own)) {
            bytes -= own.parameterBytes();
        }
        return bytes;
    }

    // ---- QuantizableModel ------------------------------------------------------------------------

    @Override
    public ModelDims dims() {
        return config.dims();
    }

    @Override
    public int blockCount() {
        return blocks.length;
    }

    @Override
    public TransformerBlock block(int i) {
        if (i < 0 || i >= blocks.length) {
            throw new IndexOutOfBoundsException("block " + i + " of " + blocks.length);
        }
        return blocks[i];
    }

    @Override
    public float[] embed(int[] ids) {
        int L = checkIds(ids);
        int dim = config.hidden();
        EmbeddingTable wte = embedding;
        float[] x = new float[L * dim];
        for (int t = 0; t < L; t++) {
            wte.copyRow(ids[t], x, t * dim);
        }
        return x;
    }

    @Override
    public float[] embeddings() {
        return embedding.toFloatArray();
    }

    @Override
    public void setQuantizedEmbeddings(io.github.dllmquant.core.quant.QuantizedWeight table) {
        if (table == null || table.out() != config.embeddingSize() || table.in() != config.hidden()) {
            throw new IllegalArgumentException("quantized embedding table must be " + config.embeddingSize() + "x"
                    + config.hidden() + ", got " + (table == null ? "null" : table.out() + "x" + table.in()));
        }
        embedding = new EmbeddingTable.Quantized(table);
    }

    /** The quantized embedding table, or null while the table is dense (F32 or BF16). */
    io.github.dllmquant.core.quant.QuantizedWeight quantizedEmbeddings() {
        return embedding instanceof EmbeddingTable.Quantized q ? q.weight() : null;
    }

    @Override
    public void setEmbeddings(float[] table) {
        int rows = config.embeddingSize();
        int dim = config.hidden();
        if (table == null || table.length != (long) rows * dim) {
            throw new IllegalArgumentException("embedding table must have " + rows + "*" + dim + " values, got "
                    + (table == null ? "null" : table.length));
        }
        embedding = new EmbeddingTable.F32(table.clone(), rows, dim);
    }

    @Override
    public float[] finalNormWeight() {
        return finalNorm.clone();
    }

    @Override
    public void setFinalNormWeight(float[] weight) {
        if (weight == null || weight.length != config.hidden()) {
            throw new IllegalArgumentException("final norm weight must have " + config.hidden() + " values, got "
                    + (weight == null ? "null" : weight.length));
        }
        finalNorm = weight.clone();
    }

    @Override
    public Linear lmHead() {
        return lmHead;
    }

    @Override
    public void setLmHead(Linear head) {
        checkHead(head);
        lmHead = head;
    }

    private void checkHead(Linear head) {
        if (head == null || head.inFeatures() != config.hidden() || head.outFeatures() != config.embeddingSize()) {
            throw new IllegalArgumentException("LM head must be " + config.embeddingSize() + "x" + config.hidden()
                    + ", got " + (head == null ? "null" : head.outFeatures() + "x" + head.inFeatures()));
        }
    }

    /** Releases the mapped checkpoint (when weights are read in place). Idempotent. */
    @Override
    public void close() {
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the mapped checkpoint of " + folder + " failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "DiffusionLm[" + config.architecture() + ", " + config.layers() + " layers, hidden " + config.hidden()
                + (folder == null ? "" : ", " + folder) + "]";
    }
}
