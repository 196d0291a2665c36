package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.Kernels;
import io.github.dllmquant.core.kernels.RopeTable;
import io.github.dllmquant.core.kernels.integer.QuantizedActivations;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.runtime.config.ModelConfig;

import java.util.List;

/**
 * One LLaMA-style block as LLaDA and Dream share it: pre-norm bidirectional attention with RoPE and
 * grouped-query heads, then a pre-norm SwiGLU MLP, each added back into the residual stream. Dream's
 * q/k/v biases live inside its {@link Linear}s, so both architectures run this same code.
 *
 * <p>Weights are shared and never written by {@link #forward}; every call allocates its own buffers,
 * so concurrent calls are safe. Replacing layers or norms ({@link #setLinear}, {@link #setNormWeight})
 * must not overlap with forward calls.
 */
public final class TransformerBlock implements QuantizableBlock {

    private static final LinearRole[] QKV_ROLES = {LinearRole.Q, LinearRole.K, LinearRole.V};
    private static final LinearRole[] GATE_UP_ROLES = {LinearRole.GATE, LinearRole.UP};

    private final int index;
    private final ModelConfig config;
    private final RopeTable rope;
    private final Linear[] linears;   // by LinearRole.ordinal()
    private float[] attentionNorm;    // (hidden) attn_norm / input_layernorm
    private float[] ffnNorm;          // (hidden) ff_norm / post_attention_layernorm

    TransformerBlock(int index, ModelConfig config, RopeTable rope, Linear[] linears, float[] attentionNorm,
                     float[] ffnNorm) {
        this.index = index;
        this.config = config;
        this.rope = rope;
        this.linears = linears.clone();
        for (LinearRole role : LinearRole.values()) {
            checkLinear(role, linears[role.ordinal()]);
        }
        this.attentionNorm = checkNorm(attentionNorm);
        this.ffnNorm = checkNorm(ffnNorm);
    }

    /**
     * Runs the block in place on one sequence: {@code x} enters as the block input and leaves as its
     * output.
     *
     * @param x        {@code (L, hidden)} residual stream, updated in place
     * @param L        sequence length (positions 0..L−1)
     * @param observer sees each linear group's input
     */
    void forwardInPlace(float[] x, int L, ActivationObserver observer) {
        forwardInPlace(x, L, observer, null);
    }

    /**
     * As {@link #forwardInPlace(float[], int, ActivationObserver)}, also handing this layer's keys (after
     * RoPE) and values of every position to {@code kvSink} for an approximate KV cache (dllm-runtime.md §6).
     *
     * @param kvSink receives the layer's K/V in {@link Attention}'s per-head transposed layout, or null
     */
    void forwardInPlace(float[] x, int L, ActivationObserver observer, LayerKv.Sink kvSink) {
        int dim = config.hidden();
        float eps = (float) config.rmsEps();
        float[] xb = new float[L * dim];  // (L, hidden) normed input of a sub-layer
        // attention rmsnorm
        Kernels.rmsNorm(x, attentionNorm, eps, xb, L, dim);
        observer.onGroupInput(GroupRole.QKV, xb, L);
        float[] attOut = attention(xb, L, observer, kvSink); // (L, hidden)
        // residual connection back into x
        Kernels.axpy(1f, attOut, 0, x, 0, L * dim);
        ffnInPlace(x, xb, L, observer);
    }

    /**
     * Runs the block in place on several independent sequences stacked row-wise (a batch): every row-wise
     * step (norms, projections, MLP) runs once on all rows, attention and RoPE run per sequence from
     * position 0, so each sequence gets what {@link #forwardInPlace(float[], int, ActivationObserver)}
     * would give it alone.
     *
     * @param x       {@code (Σ lengths, hidden)} residual streams of the sequences, one after the other
     * @param lengths the sequences' lengths
     */
    void forwardBatchInPlace(float[] x, int[] lengths) {
        int rows = 0;
        for (int length : lengths) {
            rows += length;
        }
        int dim = config.hidden();
        float[] xb = new float[rows * dim];
        Kernels.rmsNorm(x, attentionNorm, (float) config.rmsEps(), xb, rows, dim);
        int qDim = LayerShapes.qDim(config);
        Qkv all = projectQkv(xb, rows);
        float[] att = new float[rows * qDim];
        int first = 0;
        for (int L : lengths) {
            // one sequence: its own positions for RoPE, attention only within it
            Qkv seq = all.sequence(first, L, this);
            float[] as = new float[L * qDim];
            Attention.attend(seq.q(), L, seq.k(), seq.v(), L, config.heads(), config.kvHeads(), config.headDim(), as);
            System.arraycopy(as, 0, att, first * qDim, L * qDim);
            first += L;
        }
        float[] attOut = new float[rows * dim];
        linear(LinearRole.O).forward(att, rows, attOut);
        Kernels.axpy(1f, attOut, 0, x, 0, rows * dim);
        ffnInPlace(x, xb, rows, ActivationObserver.NONE);
    }

    /**
     * {@link #forwardBatchInPlace} when only some rows' outputs are needed (the last block, whose other rows
     * feed nothing): keys and values of every row, then attention, output projection and MLP for the
     * {@code selected} rows only. Every kernel works row by row, so each selected row gets exactly the values
     * of the full pass.
     *
     * @param x        {@code (Σ lengths, hidden)} residual stream of the stacked sequences (not modified)
     * @param selected per sequence, the positions (within it) whose output is needed
     * @return {@code (Σ selected, hidden)} the residual stream after the block of the selected rows, in order
     */
    float[] forwardBatchSelected(float[] x, int[] lengths, int[][] selected) {
        int rows = 0;
        int picked = 0;
        for (int i = 0; i < lengths.length; i++) {
            rows += lengths[i];
            picked += selected[i].length;
        }
        int dim = config.hidden();
        float[] xb = new float[rows * dim];
        Kernels.rmsNorm(x, attentionNorm, (float) config.rmsEps(), xb, rows, dim);
        int qDim = LayerShapes.qDim(config);
        Qkv all = projectQkv(xb, rows);
        float[] att = new float[picked * qDim];
        float[] xs = new float[picked * dim];
        int first = 0;
        int out = 0;
        for (int i = 0; i < lengths.length; i++) {
            int L = lengths[i];
            int n = selected[i].length;
            Qkv seq = all.sequence(first, L, this);
            float[] qs = seq.q();
            float[] qSel = new float[n * qDim];
            for (int j = 0; j < n; j++) {
                int t = selected[i][j];
                if (t < 0 || t >= L) {
                    throw new IllegalArgumentException("row " + t + " is outside sequence " + i + " of " + L + " tokens");
                }
                System.arraycopy(qs, t * qDim, qSel, j * qDim, qDim);
                System.arraycopy(x, (first + t) * dim, xs, (out + j) * dim, dim);
            }
            float[] as = new float[n * qDim];
            if (n > 0) {
                Attention.attend(qSel, n, seq.k(), seq.v(), L, config.heads(), config.kvHeads(), config.headDim(), as);
            }
            System.arraycopy(as, 0, att, out * qDim, n * qDim);
            first += L;
            out += n;
        }
        if (picked == 0) {
            return xs;
        }
        float[] attOut = new float[picked * dim];
        linear(LinearRole.O).forward(att, picked, attOut);
        Kernels.axpy(1f, attOut, 0, xs, 0, picked * dim);
        ffnInPlace(xs, new float[picked * dim], picked, ActivationObserver.NONE);
        return xs;
    }

    /**
     * Runs the block on {@code rows} consecutive positions {@code from..from+rows−1} of a longer
     * sequence whose other positions are represented only by cached keys and values: the rows' queries
     * attend to the cached K/V of every position, with the rows' own fresh K/V used instead of their
     * cached (stale) entries. The cache's contents are unchanged afterwards, but attention may hold the fresh
     * rows in its arrays during the call ({@link Attention#attend}): the caller must have {@code cached} to itself
     * ({@link KvCache} locks).
     *
     * @param x      {@code (rows, hidden)} residual stream of those positions, updated in place
     * @param cached this layer's keys after RoPE and values of the whole sequence
     * @param L      length of the whole sequence
     * @param fresh  if not null, receives this layer's cache with the rows' fresh K/V in place of their
     *               cached entries (a copy; {@code cached} is not written)
     */
    void forwardRowsInPlace(float[] x, int from, int rows, LayerKv cached, int L, LayerKv.Sink fresh) {
        Prepared prepared = prepareRows(x, from, rows);
        float[] out;
        if (fresh != null) {
            // the refreshed cache: the rows' fresh K/V merged into a copy, which attention then reads whole
            LayerKv merged = mergedKv(cached, prepared, L);
            fresh.accept(merged);
            out = finishRows(prepared, allRows(rows), merged.keys(), merged.values(), L, false);
        } else {
            out = finishRows(prepared, allRows(rows), cached.keys(), cached.values(), L, true);
        }
        System.arraycopy(out, 0, x, 0, rows * config.hidden());
    }

    /** {@code 0, 1, ..., rows−1}. */
    static int[] allRows(int rows) {
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) {
            all[i] = i;
        }
        return all;
    }

    /**
     * The part of the block up to attention for rows {@code from..from+rows−1} of a sequence (the whole sequence
     * with {@code from = 0, rows = L}): attention rmsnorm, q/k/v and RoPE at the rows' absolute positions. With
     * {@link #finishRows} it gives the bits of {@link #forwardInPlace} and {@link #forwardRowsInPlace} for the
     * rows that are finished, so the last block of a pass can stop at the keys and values (all a KV cache keeps)
     * and finish only the rows whose logits are read.
     *
     * @param x {@code (rows, hidden)} residual stream of the rows; kept (not copied) in the result
     */
    Prepared prepareRows(float[] x, int from, int rows) {
        float[] xb = new float[rows * config.hidden()];
        Kernels.rmsNorm(x, attentionNorm, (float) config.rmsEps(), xb, rows, config.hidden());
        Qkv projected = projectQkv(xb, rows);
        Kernels.rope(projected.q(), rows, config.heads(), from, rope);
        Kernels.rope(projected.k(), rows, config.kvHeads(), from, rope);
        return new Prepared(x, projected.q(), projected.k(), projected.v(), from, rows);
    }

    /**
     * The rows of a {@link #prepareRows} call up to attention: their residual stream and their queries, keys and
     * values after RoPE (row-major).
     *
     * @param x    {@code (rows, hidden)} residual stream entering the block
     * @param q    {@code (rows, heads·headDim)}
     * @param k    {@code (rows, kvHeads·headDim)}
     * @param v    {@code (rows, kvHeads·headDim)}
     * @param from position of the first row in its sequence
     * @param rows rows prepared
     */
    record Prepared(float[] x, float[] q, float[] k, float[] v, int from, int rows) {
    }

    /**
     * The rest of the block for some prepared rows: attention of their queries over the keys/values
     * {@code kT}/{@code vT} of the whole sequence ({@code L} positions; with {@code freshRows} the prepared rows'
     * own K/V are used in place of the entries at their positions, see {@link Attention#attend}), output
     * projection, residual, MLP. Every kernel works row by row, so a row gets the bits it gets when all rows
     * are finished.
     *
     * @param picked indices of the rows to finish, in {@code [0, p.rows())}, in output order
     * @return {@code (picked.length, hidden)} the residual stream after the block of those rows
     */
    float[] finishRows(Prepared p, int[] picked, float[][] kT, float[][] vT, int L, boolean freshRows) {
        int dim = config.hidden();
        int qDim = LayerShapes.qDim(config);
        int n = picked.length;
        float[] qSel = new float[n * qDim];
        float[] xs = new float[n * dim];
        for (int j = 0; j < n; j++) {
            int t = picked[j];
            if (t < 0 || t >= p.rows()) {
                throw new IllegalArgumentException("row " + t + " is outside the " + p.rows() + " prepared rows");
            }
            System.arraycopy(p.q(), t * qDim, qSel, j * qDim, qDim);
            System.arraycopy(p.x(), t * dim, xs, j * dim, dim);
        }
        if (n == 0) {
            return xs;
        }
        float[] att = new float[n * qDim];
        if (!freshRows && p.from() == 0 && p.rows() == L) {
            // the last layer of a full forward that built a cache: the full forwards' attention (same bits as logits)
            Attention.attend(qSel, n, kT, vT, L, config.heads(), config.kvHeads(), config.headDim(), att);
        } else if (freshRows) {
            Attention.attendRows(qSel, n, kT, vT, L, p.k(), p.v(), p.from(), p.rows(), config.heads(),
                    config.kvHeads(), config.headDim(), att);
        } else {
            Attention.attendRows(qSel, n, kT, vT, L, null, null, 0, 0, config.heads(), config.kvHeads(),
                    config.headDim(), att);
        }
        float[] attOut = new float[n * dim];
        linear(LinearRole.O).forward(att, n, attOut);
        Kernels.axpy(1f, attOut, 0, xs, 0, n * dim);
        ffnInPlace(xs, new float[n * dim], n, ActivationObserver.NONE);
        return xs;
    }

    /** Per key/value head transposed keys and values of prepared rows (a whole sequence: the layout a cache keeps). */
    LayerKv transposedKv(Prepared p) {
        return new LayerKv(Attention.transposeHeads(p.k(), p.rows(), config.kvHeads(), config.headDim()),
                Attention.transposeHeads(p.v(), p.rows(), config.kvHeads(), config.headDim()));
    }

    /** A copy of {@code cached} with the prepared rows' fresh K/V at their positions (the layer of a refreshed cache). */
    LayerKv mergedKv(LayerKv cached, Prepared p, int L) {
        return new LayerKv(Attention.merge(cached.keys(), p.k(), p.from(), p.rows(), L, config.kvHeads(), config.headDim()),
                Attention.merge(cached.values(), p.v(), p.from(), p.rows(), L, config.kvHeads(), config.headDim()));
    }

    /** The MLP half of the block on {@code L} rows: rmsnorm, SwiGLU MLP, residual. */
    private void ffnInPlace(float[] x, float[] xb, int L, ActivationObserver observer) {
        int dim = config.hidden();
        float eps = (float) config.rmsEps();
        // ffn rmsnorm
        Kernels.rmsNorm(x, ffnNorm, eps, xb, L, dim);
        observer.onGroupInput(GroupRole.GATE_UP, xb, L);
        float[] ffnOut = mlp(xb, L, observer); // (L, hidden)
        // residual connection back into x
        Kernels.axpy(1f, ffnOut, 0, x, 0, L * dim);
    }

    /** The attention sub-layer from its normed input: q/k/v, RoPE, attention, output projection. */
    private float[] attention(float[] xb, int L, ActivationObserver observer) {
        return attention(xb, L, observer, null);
    }

    private float[] attention(float[] xb, int L, ActivationObserver observer, LayerKv.Sink kvSink) {
        float[] att = attentionHeads(xb, L, kvSink);
        observer.onGroupInput(GroupRole.O, att, L);
        // output projection
        return project(LinearRole.O, att, L);
    }

    /** q/k/v, RoPE and attention from the normed input: the concatenated head outputs (the O group's input). */
    private float[] attentionHeads(float[] xb, int L, LayerKv.Sink kvSink) {
        // qkv projections (one online transform and activation quantization when they share them)
        Qkv projected = projectQkv(xb, L);
        float[] q = projected.q();    // (L, n_heads·head_dim)
        float[] k = projected.k();    // (L, n_kv_heads·head_dim)
        float[] v = projected.v();    // (L, n_kv_heads·head_dim)
        // RoPE on q and k (rotate-half, float32)
        Kernels.rope(q, L, config.heads(), 0, rope);
        Kernels.rope(k, L, config.kvHeads(), 0, rope);
        // per kv head, transposed (head_dim, L): the layout attention reads and a KV cache keeps
        float[][] kT = Attention.transposeHeads(k, L, config.kvHeads(), config.headDim());
        float[][] vT = Attention.transposeHeads(v, L, config.kvHeads(), config.headDim());
        if (kvSink != null) {
            kvSink.accept(new LayerKv(kT, vT));
        }
        // multi-head attention over all positions (bidirectional)
        float[] att = new float[L * LayerShapes.qDim(config)];  // (L, n_heads·head_dim) concatenated head outputs
        Attention.attend(q, L, kT, vT, L, config.heads(), config.kvHeads(), config.headDim(), att);
        return att;
    }

    /** The MLP sub-layer from its normed input: {@code down(silu(gate(x)) ⊙ up(x))}. */
    private float[] mlp(float[] xb, int L, ActivationObserver observer) {
        float[] hb = swiglu(xb, L);
        observer.onGroupInput(GroupRole.DOWN, hb, L);
        // down projection (w2)
        return project(LinearRole.DOWN, hb, L);
    }

    /** gate and up from the normed MLP input, then {@code silu(gate) ⊙ up}: the DOWN group's input. */
    private float[] swiglu(float[] xb, int L) {
        float[] hb = new float[L * config.intermediate()];  // (L, hidden_dim) gate branch, then SwiGLU output
        float[] hb2 = new float[L * config.intermediate()]; // (L, hidden_dim) up branch
        // gate (w1) and up (w3) projections
        projectShared(xb, L, GATE_UP_ROLES, hb, hb2);
        // SwiGLU non-linearity: silu(gate) ⊙ up
        Kernels.swiglu(hb, hb2, hb, L * config.intermediate());
        return hb;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public List<LinearGroup> groups() {
        return LinearGroup.llamaStyle();
    }

    @Override
    public Linear linear(LinearRole role) {
        return linears[role.ordinal()];
    }

    @Override
    public void setLinear(LinearRole role, Linear linear) {
        checkLinear(role, linear);
        linears[role.ordinal()] = linear;
    }

    @Override
    public String name(LinearRole role) {
        return TensorNames.of(config.architecture()).linear(index, role);
    }

    @Override
    public float[] normWeight(NormRole role) {
        return (role == NormRole.ATTENTION ? attentionNorm : ffnNorm).clone();
    }

    @Override
    public void setNormWeight(NormRole role, float[] weight) {
        float[] copy = checkNorm(weight).clone();
        if (role == NormRole.ATTENTION) {
            attentionNorm = copy;
        } else {
            ffnNorm = copy;
        }
    }

    @Override
    public float[] forward(float[] x, int tokens, ActivationObserver observer) {
        checkRows(x, tokens, config.hidden(), "x");
        float[] h = java.util.Arrays.copyOf(x, tokens * config.hidden());
        forwardInPlace(h, tokens, observer);
        return h;
    }

    @Override
    public float[] subLayerForward(GroupRole role, float[] groupInput, int tokens) {
        return switch (role) {
            case QKV -> {
                checkRows(groupInput, tokens, config.hidden(), "QKV input");
                yield attention(groupInput, tokens, ActivationObserver.NONE);
            }
            case O -> project(LinearRole.O, groupInput, tokens);
            case GATE_UP -> {
                checkRows(groupInput, tokens, config.hidden(), "GATE_UP input");
                yield mlp(groupInput, tokens, ActivationObserver.NONE);
            }
            case DOWN -> project(LinearRole.DOWN, groupInput, tokens);
        };
    }

    @Override
    public BlockStage beginStage(float[] x, int tokens) {
        checkRows(x, tokens, config.hidden(), "x");
        float[] xb = new float[tokens * config.hidden()];
        Kernels.rmsNorm(x, attentionNorm, (float) config.rmsEps(), xb, tokens, config.hidden());
        return new BlockStage(GroupRole.QKV, x, xb, tokens);
    }

    /**
     * The same kernels in the same order as {@link #forwardInPlace}, cut at the group inputs, so a stage
     * walk gives bit-identical group inputs and output.
     */
    @Override
    public BlockStage advance(BlockStage stage) {
        if (stage.done()) {
            throw new IllegalArgumentException("block " + index + ": the stage is done, nothing to advance");
        }
        int L = stage.tokens();
        int dim = config.hidden();
        checkRows(stage.residual(), L, dim, "residual");
        return switch (stage.next()) {
            case QKV -> {
                checkRows(stage.groupInput(), L, dim, "QKV input");
                yield new BlockStage(GroupRole.O, stage.residual(), attentionHeads(stage.groupInput(), L, null), L);
            }
            case O -> {
                float[] h = residualPlus(stage.residual(), project(LinearRole.O, stage.groupInput(), L), L);
                float[] xb = new float[L * dim];
                Kernels.rmsNorm(h, ffnNorm, (float) config.rmsEps(), xb, L, dim);
                yield new BlockStage(GroupRole.GATE_UP, h, xb, L);
            }
            case GATE_UP -> {
                checkRows(stage.groupInput(), L, dim, "GATE_UP input");
                yield new BlockStage(GroupRole.DOWN, stage.residual(), swiglu(stage.groupInput(), L), L);
            }
            case DOWN -> new BlockStage(null,
                    residualPlus(stage.residual(), project(LinearRole.DOWN, stage.groupInput(), L), L), null, L);
        };
    }

    /** A new array {@code residual + branch} (the stage's residual is shared and stays untouched). */
    private float[] residualPlus(float[] residual, float[] branch, int L) {
        float[] h = java.util.Arrays.copyOf(residual, L * config.hidden());
        Kernels.axpy(1f, branch, 0, h, 0, L * config.hidden());
        return h;
    }

    /**
     * The linears of a group that reads one input, each into its output. When they are all weight+activation
     * quantized layers that {@link ActivationQuantizedLinear#sharesInputWith share} the online transform and
     * the activation quantizer (DuQuant's q/k/v and gate/up, or plain W8A8), the input is transformed and
     * quantized once for all of them; the outputs are exactly those of one forward per linear.
     */
    /** Queries, keys and values of stacked rows, row-major ({@code (rows, qDim)}, {@code (rows, kvDim)} twice). */
    private record Qkv(float[] q, float[] k, float[] v) {

        /** Rows {@code first..first+L−1} as one sequence, with RoPE from position 0 on its q and k. */
        Qkv sequence(int first, int L, TransformerBlock block) {
            int qDim = LayerShapes.qDim(block.config);
            int kvDim = block.config.kvDim();
            float[] qs = java.util.Arrays.copyOfRange(q, first * qDim, (first + L) * qDim);
            float[] ks = java.util.Arrays.copyOfRange(k, first * kvDim, (first + L) * kvDim);
            float[] vs = java.util.Arrays.copyOfRange(v, first * kvDim, (first + L) * kvDim);
            Kernels.rope(qs, L, block.config.heads(), 0, block.rope);
            Kernels.rope(ks, L, block.config.kvHeads(), 0, block.rope);
            return new Qkv(qs, ks, vs);
        }
    }

    /** The q/k/v projections of {@code rows} normed rows (one shared transform and quantization when they share it). */
    private Qkv projectQkv(float[] xb, int rows) {
        float[] q = new float[rows * LayerShapes.qDim(config)];
        float[] k = new float[rows * config.kvDim()];
        float[] v = new float[rows * config.kvDim()];
        projectShared(xb, rows, QKV_ROLES, q, k, v);
        return new Qkv(q, k, v);
    }

    private void projectShared(float[] x, int L, LinearRole[] roles, float[]... outs) {
        QuantizedActivations shared = null;
        if (linear(roles[0]) instanceof ActivationQuantizedLinear first) {
            boolean all = true;
            for (int i = 1; i < roles.length && all; i++) {
                all = linear(roles[i]) instanceof ActivationQuantizedLinear other && first.sharesInputWith(other);
            }
            if (all) {
                shared = first.quantizeInput(x, L);
            }
        }
        for (int i = 0; i < roles.length; i++) {
            if (shared != null) {
                ((ActivationQuantizedLinear) linear(roles[i])).forwardQuantized(shared, outs[i]);
            } else {
                linear(roles[i]).forward(x, L, outs[i]);
            }
        }
    }

    private float[] project(LinearRole role, float[] in, int tokens) {
        Linear l = linear(role);
        checkRows(in, tokens, l.inFeatures(), role + " input");
        float[] out = new float[tokens * l.outFeatures()];
        l.forward(in, tokens, out);
        return out;
    }

    private static void checkRows(float[] x, int tokens, int width, String what) {
        if (tokens <= 0 || x.length < (long) tokens * width) {
            throw new IllegalArgumentException(what + " has " + x.length + " values, expected tokens*width = "
                    + tokens + "*" + width);
        }
    }

    private void checkLinear(LinearRole role, Linear l) {
        if (l == null) {
            throw new IllegalArgumentException("block " + index + ": no linear for " + role);
        }
        if (l.inFeatures() != LayerShapes.in(config, role) || l.outFeatures() != LayerShapes.out(config, role)) {
            throw new IllegalArgumentException("block " + index + " " + role + ": expected " + LayerShapes.out(config, role)
                    + "x" + LayerShapes.in(config, role) + ", got " + l.outFeatures() + "x" + l.inFeatures());
        }
    }

    private float[] checkNorm(float[] w) {
        if (w == null || w.length != config.hidden()) {
            throw new IllegalArgumentException("block " + index + ": norm weight must have " + config.hidden()
                    + " values, got " + (w == null ? "null" : w.length));
        }
        return w;
    }
}
