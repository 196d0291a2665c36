package io.github.dllmquant.methods.quarot;

import io.github.dllmquant.core.hadamard.HadamardMatrices;
import io.github.dllmquant.core.hadamard.HadamardTransform;
import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.methods.QuantizedLinears;
import io.github.dllmquant.methods.gptq.Gptq;
import io.github.dllmquant.methods.gptq.GptqResult;
import io.github.dllmquant.methods.gptq.GptqSettings;
import io.github.dllmquant.methods.gptq.HessianAccumulator;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.ModelDims;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.core.spi.QuantizableModel;
import io.github.dllmquant.methods.BlockOutcome;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.PartialForward;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.StagedForward;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * QuaRot (Ashkboos et al., "QuaRot: Outlier-Free 4-Bit Inference in Rotated LLMs", 2024; spcl/QuaRot
 * {@code rotation_utils.py}, ptq-methods.md §7).
 *
 * <p>{@link #prepareModel} makes the model computationally invariant to a rotation of the residual stream,
 * in double precision:
 * <ol>
 *   <li>fuse every RMSNorm gain into its consumers ({@code W ← W·diag(γ)}: input norm → q/k/v, post-attention
 *       norm → gate/up, final norm → LM head) and set the gains to ones (weight-free RMS norms commute with
 *       orthogonal maps);</li>
 *   <li>rotate the residual stream by the random Hadamard {@code T(h) = H·(s ⊙ h)/√d} (seeded signs {@code s}):
 *       embedding rows, the input side of q/k/v/gate/up/LM head ({@code w ← T(w)} per row) and the output side
 *       of o/down ({@code T} on every column and the bias);</li>
 *   <li>V/O: {@code H_hd/√hd} on each head's output rows of v, and online {@code H_heads/√heads} over the head
 *       axis before o, whose rows are transformed by both, so {@code H_heads ⊗ H_hd} cancels. When the head
 *       count or head width has no Hadamard matrix (e.g. 6 heads), o gets an online full {@code H} of its input
 *       width instead and v is left unrotated;</li>
 *   <li>an online full Hadamard {@code H_dff/√dff} before down, offline {@code W_down ← T(W_down)} per row.
 *       Widths {@code K·2^p} for the {@code K} of {@link HadamardMatrices}; Dream-7B's 18944 = 148·128 uses
 *       our Paley II {@code H_148} (73 ≡ 1 mod 4).</li>
 * </ol>
 * The o and down projections become {@link TransformedLinear}s until {@link #quantizeBlock} replaces every
 * linear by an {@code ActivationQuantizedLinear} (or {@link WeightOnlyLinear} without activation
 * quantization) with the same online transform. Weights: GPTQ (default) or round to nearest on the signed
 * symmetric grid {@code max/(2^(b−1)−1)} ({@link WeightQuantizer.Grid#QUAROT}), per channel or per group,
 * optionally with the MSE clip search. GPTQ runs true-sequentially per group (q/k/v, o, gate/up, down), its
 * Hessians computed from the inputs after the online transforms (rotated inputs, ptq-methods.md §7.5).
 * Unlike the reference, whose activation quantizers are switched on only after all weights are quantized,
 * the upstream groups already run W·A quantized when a later group's Hessian is collected. Embedding rows are not mean-centred
 * (the reference does it for every model, which is not function-preserving for RMSNorm models) unless
 * {@link Config#centerEmbeddings} asks for it.
 */
public final class QuaRot implements QuantizationMethod {

    private static final Logger LOG = LoggerFactory.getLogger(QuaRot.class);

    /** How the rotated weights are quantized. */
    public enum WeightAlgorithm {
        /** Round to nearest ({@code --w_rtn}). */
        RTN,
        /** GPTQ with Hessians from the rotated inputs (QuaRot's default). */
        GPTQ
    }

    /**
     * Settings.
     *
     * @param weightBits       2..8, signed symmetric grid {@code max/(2^(b−1)−1)}
     * @param groupSize        columns per weight group, {@code -1} per channel (QuaRot's default)
     * @param weights          RTN or GPTQ
     * @param mseClip          search a per-row range shrink ({@code --w_clip}; the study's QuaRot uses it)
     * @param activations      per-token activation quantizer, or {@code null} for weight-only (A16)
     * @param seed             seeds the random signs of the residual rotation
     * @param centerEmbeddings the reference's mean-centring of embedding rows (off: wrong for RMSNorm models)
     */
    public record Config(int weightBits, int groupSize, WeightAlgorithm weights, boolean mseClip,
                         ActivationQuantizer activations, long seed, boolean centerEmbeddings) {

        public Config {
            if (weightBits < 2 || weightBits > 8) {
                throw new IllegalArgumentException("weight bits must be in 2..8, got " + weightBits);
            }
            if (groupSize != -1 && groupSize <= 0) {
                throw new IllegalArgumentException("group size must be positive or -1, got " + groupSize);
            }
            if (weights == null) {
                throw new IllegalArgumentException("weights algorithm must not be null");
            }
        }

        /**
         * The study's QuaRot: per-channel GPTQ weights with MSE clip at {@code wBits}, symmetric per-token
         * activations at {@code aBits} (clip 1.0, the code default).
         */
        public static Config of(int wBits, int aBits) {
            return new Config(wBits, -1, WeightAlgorithm.GPTQ, true, ActivationQuantizer.symmetric(aBits), 0, false);
        }

        /** Weight-only (A16) GPTQ at {@code wBits} with groups. */
        public static Config weightOnly(int wBits, int groupSize) {
            return new Config(wBits, groupSize, WeightAlgorithm.GPTQ, false, null, 0, false);
        }

        /** W4A4. */
        public static Config defaults() {
            return of(4, 4);
        }

        /** The same settings with another weight algorithm. */
        public Config withWeights(WeightAlgorithm algorithm) {
            return new Config(weightBits, groupSize, algorithm, mseClip, activations, seed, centerEmbeddings);
        }

        /** The weight grid. */
        public WeightQuantizer grid() {
            return new WeightQuantizer(weightBits, groupSize, true, WeightQuantizer.Grid.QUAROT, mseClip);
        }
    }

    private final Config config;
    private final long stageBudgetBytes;

    public QuaRot(Config config) {
        this(config, StagedForward.AUTO_BUDGET);
    }

    /**
     * @param stageBudgetBytes most bytes of resumable-forward stages to keep ({@link StagedForward#AUTO_BUDGET}: a
     *                         quarter of the maximum heap; 0: always re-run the block per group)
     */
    public QuaRot(Config config, long stageBudgetBytes) {
        if (stageBudgetBytes < 0 && stageBudgetBytes != StagedForward.AUTO_BUDGET) {
            throw new IllegalArgumentException("stage budget must be >= 0 bytes or AUTO_BUDGET, got " + stageBudgetBytes);
        }
        this.config = config;
        this.stageBudgetBytes = stageBudgetBytes;
    }

    /**
     * The method a {@link io.github.dllmquant.methods.Recipe} describes: weight bits, group size, MSE clip and
     * activation quantizer (none for A16) from the recipe; options {@code quarot.weights} ({@code gptq} default or
     * {@code rtn}), {@code quarot.seed} (0) and {@code quarot.centerEmbeddings} ({@code false}). The weight grid
     * is always QuaRot's signed symmetric one; GPTQ uses its reference damping 0.01 and block 128.
     */
    public static QuaRot fromRecipe(io.github.dllmquant.methods.Recipe r) {
        String w = r.optionValue("quarot.weights", "gptq");
        WeightAlgorithm algorithm = switch (w.toLowerCase(java.util.Locale.ROOT)) {
            case "gptq" -> WeightAlgorithm.GPTQ;
            case "rtn" -> WeightAlgorithm.RTN;
            default -> throw new IllegalArgumentException("quarot.weights must be gptq or rtn, got '" + w + "'");
        };
        long seed = Long.parseLong(r.optionValue("quarot.seed", "0"));
        boolean center = Boolean.parseBoolean(r.optionValue("quarot.centerEmbeddings", "false"));
        return new QuaRot(new Config(r.weightBits(), r.groupSize(), algorithm, r.mseClip(), r.activationQuantizer(),
                seed, center));
    }

    /** The settings. */
    public Config config() {
        return config;
    }

    @Override
    public String name() {
        return "quarot";
    }

    @Override
    public void prepareModel(QuantizableModel model, ProgressListener progress) {
        ModelDims dims = model.dims();
        int d = dims.hidden();
        HadamardTransform q = HadamardTransform.randomSigned(d, config.seed());
        HadamardTransform down = HadamardTransform.full(dims.intermediate());
        int n = model.blockCount();

        // embeddings: E ← T(E) row by row
        float[] e = model.embeddings();
        if (config.centerEmbeddings()) {
            centerRows(e, d);
        }
        transformRows(e, e.length / d, d, q, null);
        model.setEmbeddings(e);

        for (int b = 0; b < n; b++) {
            BlockOps.checkInterrupted();
            progress.onProgress(new Progress("quarot rotate block " + b + "/" + n, b, n + 1));
            rotateBlock(model.block(b), dims, q, down);
        }

        // final norm into the LM head, then the head's input rotated
        float[] gamma = model.finalNormWeight();
        Linear head = model.lmHead();
        float[] w = head.effectiveWeight();
        transformRows(w, head.outFeatures(), head.inFeatures(), q, gamma);
        model.setLmHead(BlockOps.dense(w, head));
        model.setFinalNormWeight(ones(gamma.length));
        progress.onProgress(new Progress("quarot rotate lm head", n + 1, n + 1));
        LOG.debug("quarot: rotated {} blocks, residual {}, down {}", n, q.describe(), down.describe());
    }

    private void rotateBlock(QuantizableBlock block, ModelDims dims, HadamardTransform q, HadamardTransform down) {
        // 1. norms into their consumers; 2. consumers read the rotated residual
        for (LinearGroup group : block.groups()) {
            NormRole norm = group.absorber().norm();
            if (norm == null) {
                continue;
            }
            float[] gamma = block.normWeight(norm);
            for (LinearRole role : group.members()) {
                Linear l = block.linear(role);
                float[] w = l.effectiveWeight();
                transformRows(w, l.outFeatures(), l.inFeatures(), q, gamma);
                block.setLinear(role, BlockOps.dense(w, l));
            }
            block.setNormWeight(norm, ones(gamma.length));
        }
        // o and down write into the residual: T on their output side
        InputTransform oTransform = rotateValueOutput(block, dims);
        for (LinearRole role : new LinearRole[] {LinearRole.O, LinearRole.DOWN}) {
            Linear l = block.linear(role);
            float[] w = l.effectiveWeight();
            int out = l.outFeatures();
            int in = l.inFeatures();
            InputTransform online = role == LinearRole.O ? oTransform : down;
            if (online instanceof HadamardTransform h) {
                transformRows(w, out, in, h, null);
            }
            transformColumns(w, out, in, q);
            float[] bias = l.bias();
            if (bias != null) {
                double[] bd = toDouble(bias);
                q.apply(bd, 0);
                bias = toFloat(bd);
            }
            DenseLinear dense = DenseLinear.of(w, bias, out, in);
            block.setLinear(role, online == null ? dense : TransformedLinear.of(online, dense));
        }
    }

    /**
     * Rotates v's per-head output rows by {@code H_hd/√hd} and o's rows by {@code H_heads ⊗ H_hd}, returning
     * the online head-axis transform for o; or, when the heads have no Hadamard matrix, returns a full
     * transform of o's input for o alone.
     */
    private InputTransform rotateValueOutput(QuantizableBlock block, ModelDims dims) {
        int heads = dims.heads();
        int hd = dims.headDim();
        int oIn = block.linear(LinearRole.O).inFeatures();
        if (HadamardMatrices.supports(heads) && HadamardMatrices.supports(hd) && oIn == heads * hd) {
            Linear v = block.linear(LinearRole.V);
            int out = v.outFeatures();
            int in = v.inFeatures();
            float[] w = v.effectiveWeight();
            double[] col = new double[out];
            for (int c = 0; c < in; c++) {
                for (int r = 0; r < out; r++) {
                    col[r] = w[r * in + c];
                }
                for (int h = 0; h + hd <= out; h += hd) {
                    io.github.dllmquant.core.hadamard.FastHadamard.transform(col, h, hd);
                }
                for (int r = 0; r < out; r++) {
                    w[r * in + c] = (float) col[r];
                }
            }
            float[] bias = v.bias();
            if (bias != null) {
                double[] bd = toDouble(bias);
                for (int h = 0; h + hd <= out; h += hd) {
                    io.github.dllmquant.core.hadamard.FastHadamard.transform(bd, h, hd);
                }
                bias = toFloat(bd);
            }
            block.setLinear(LinearRole.V, DenseLinear.of(w, bias, out, in));
            // o's rows: H_hd on each head's slice now; the head-axis part is applied with the online transform
            Linear o = block.linear(LinearRole.O);
            float[] wo = o.effectiveWeight();
            double[] row = new double[oIn];
            for (int r = 0; r < o.outFeatures(); r++) {
                for (int i = 0; i < oIn; i++) {
                    row[i] = wo[r * oIn + i];
                }
                for (int h = 0; h < oIn; h += hd) {
                    io.github.dllmquant.core.hadamard.FastHadamard.transform(row, h, hd);
                }
                for (int i = 0; i < oIn; i++) {
                    wo[r * oIn + i] = (float) row[i];
                }
            }
            block.setLinear(LinearRole.O, BlockOps.dense(wo, o));
            return HadamardTransform.overHeads(heads, hd);
        }
        if (HadamardMatrices.supports(oIn)) {
            LOG.debug("block {}: {} heads x {} has no Hadamard pair; o gets a full online Hadamard of {}",
                    block.index(), heads, hd, oIn);
            return HadamardTransform.full(oIn);
        }
        LOG.warn("block {}: no Hadamard transform for o_proj's input width {}: o is not rotated online",
                block.index(), oIn);
        return null;
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        return quantizeBlockWithOutputs(block, inputs, tokens, progress).report();
    }

    /**
     * Quantizes the groups true-sequentially on a resumable forward ({@link StagedForward}: each part of the block
     * runs once per sequence, and the last advance gives the outputs the calibrator needs) when its stages fit the
     * stage budget; otherwise each group's inputs come from a forward from the block input (no outputs). Both
     * give the same bits.
     */
    @Override
    public BlockOutcome quantizeBlockWithOutputs(QuantizableBlock block, List<float[]> inputs, int tokens,
                                                 ProgressListener progress) {
        long t0 = System.nanoTime();
        StagedForward staged = StagedForward.fits(block, inputs, tokens, stageBudgetBytes)
                ? StagedForward.begin(block, inputs, tokens) : null;
        List<BlockReport.LayerReport> layers = new ArrayList<>();
        int total = block.groups().size();
        int done = 0;
        for (LinearGroup group : block.groups()) {
            BlockOps.checkInterrupted();
            progress.onProgress(new Progress("quarot block " + block.index() + ": " + group.role(), done++, total));
            // true-sequential: this group's inputs come from the block with the earlier groups already quantized
            InputTransform online = onlineTransform(block.linear(group.members().get(0)));
            HessianAccumulator hessian = null;
            float[] probe = null;
            int in = block.linear(group.members().get(0)).inFeatures();
            if (config.weights() == WeightAlgorithm.GPTQ) {
                hessian = new HessianAccumulator(in);
            }
            for (int s = 0; s < inputs.size(); s++) {
                if (hessian == null && s > 0) {
                    break;
                }
                float[] captured = staged != null
                        ? Arrays.copyOf(staged.groupInput(s, group.role()), tokens * in)
                        : forwardToGroup(block, group.role(), inputs.get(s), tokens, in);
                if (s == 0) {
                    probe = captured.clone();
                }
                if (hessian != null) {
                    if (online != null) {
                        online.apply(captured, tokens); // Hessians of the rotated inputs, as the kernels will see them
                    }
                    hessian.addSequence(captured, tokens);
                }
            }
            float[] h = hessian == null ? null : hessian.hessian();
            for (LinearRole role : group.members()) {
                Linear fp = block.linear(role);
                Linear inner = fp instanceof TransformedLinear t ? t.inner() : fp;
                float[] w = inner.effectiveWeight();
                int out = inner.outFeatures();
                QuantizedWeight qw;
                double loss;
                String note;
                if (h == null) {
                    qw = config.grid().quantize(w, out, in);
                    note = "rtn";
                } else {
                    GptqResult r = Gptq.quantize(w, out, in, h, GptqSettings.of(config.grid()));
                    if (r.columnsPermuted()) {
                        throw new IllegalStateException("GPTQ permuted the columns of " + block.name(role)
                                + ": act-order is not supported with QuaRot's online transforms");
                    }
                    qw = r.weight();
                    note = r.note().isEmpty() ? "gptq" : "gptq: " + r.note();
                }
                Linear q = QuantizedLinears.of(qw, inner.bias(), config.activations(), online);
                loss = BlockOps.outputMse(fp, q, probe, tokens);
                block.setLinear(role, q);
                layers.add(new BlockReport.LayerReport(block.name(role), q.format(), loss,
                        online == null ? note : note + ", online " + online.describe()));
            }
            if (staged != null) {
                staged.advance();
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.debug("quarot block {}: {} layers in {} ms", block.index(), layers.size(), millis);
        return new BlockOutcome(new BlockReport(block.index(), layers, millis), staged == null ? null : staged.outputs());
    }

    /** A copy of {@code group}'s input on a forward of the block from {@code x}, stopped there. */
    private static float[] forwardToGroup(QuantizableBlock block, GroupRole group, float[] x, int tokens, int in) {
        float[][] captured = new float[1][];
        PartialForward.groupInputs(block, x, tokens, EnumSet.of(group),
                (role, input, t) -> captured[0] = Arrays.copyOf(input, t * in));
        return captured[0];
    }

    private static InputTransform onlineTransform(Linear l) {
        return l instanceof TransformedLinear t ? t.transform() : null;
    }

    /** {@code w ← T(w ⊙ γ)} for each row of {@code w [rows, width]} ({@code γ} may be null), in double. */
    static void transformRows(float[] w, int rows, int width, HadamardTransform t, float[] gamma) {
        double[] row = new double[width];
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            for (int i = 0; i < width; i++) {
                row[i] = gamma == null ? w[o + i] : (double) w[o + i] * gamma[i];
            }
            t.apply(row, 0);
            for (int i = 0; i < width; i++) {
                w[o + i] = (float) row[i];
            }
        }
    }

    /** {@code T} on every column of {@code w [out, in]} (the output side), in double. */
    static void transformColumns(float[] w, int out, int in, HadamardTransform t) {
        double[] col = new double[out];
        for (int c = 0; c < in; c++) {
            for (int r = 0; r < out; r++) {
                col[r] = w[r * in + c];
            }
            t.apply(col, 0);
            for (int r = 0; r < out; r++) {
                w[r * in + c] = (float) col[r];
            }
        }
    }

    private static void centerRows(float[] e, int d) {
        for (int r = 0; r < e.length / d; r++) {
            double mean = 0;
            for (int i = 0; i < d; i++) {
                mean += e[r * d + i];
            }
            mean /= d;
            for (int i = 0; i < d; i++) {
                e[r * d + i] = (float) (e[r * d + i] - mean);
            }
        }
    }

    private static float[] ones(int n) {
        float[] o = new float[n];
        Arrays.fill(o, 1f);
        return o;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
