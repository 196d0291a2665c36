package io.github.dllmquant.methods.awq;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.Absorber;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.Activations;
import io.github.dllmquant.methods.PartialForward;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.QuantizationException;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.QuantizedLinears;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.methods.StagedForward;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AWQ: activation-aware weight quantization (Lin et al., 2023; mit-han-lab/llm-awq {@code run_awq},
 * {@code auto_scale_block}, {@code auto_clip_block}; ptq-methods.md §5).
 *
 * <p>Per block, on the full-precision block: for each linear group, on the group's input, search the
 * per-channel scale {@code s = x̄^α / sqrt(max·min)} over the grid {@code α = k/20} that minimises the
 * output error of the sub-layer the group feeds, with {@code W ← Q(W·diag s)·diag(s)⁻¹}; once every scale is
 * found, absorb {@code 1/s} into the producer (norm gain or the previous linear's rows, as the block's
 * {@link LinearGroup}s state) and {@code s} into the group's weights; then search a per-group weight clip for
 * every linear except q and k on {@code x/s}; finally quantize on AWQ's asymmetric grid. The next block
 * calibrates on the full-precision outputs ({@link #propagatesQuantizedOutputs()} is false).
 *
 * <p>Every group's input is the full-precision block's (as llm-awq caches them in one forward before scaling).
 * The block is walked with {@link StagedForward}, one stage per sequence, advanced after each group's scale
 * search with the layers still full precision (the search restores them, and scales are applied only after the
 * walk): each stage's group input is then what one {@link QuantizableBlock#forward} of the full-precision block
 * shows, the SPI's contract. So at most one group's input is held (in the stages, plus the joined copy
 * {@link #searchScale} scores the row-wise sub-layers on) instead of all four; the last group's (down's, the widest)
 * is written into the joined array as each stage advances to it, and the stage is released
 * ({@link StagedForward#advanceAndRelease}). Of each group only the clip
 * search's token sample ({@code ≤ 2·}{@value #CLIP_TOKENS} rows) outlives the walk, divided by {@code s} once
 * the scales are applied (the same values as sampling {@code x/s}). When the stages do not fit the budget
 * ({@link StagedForward#fits}) each group's input comes from a forward of the full-precision block per
 * sequence that stops after the group ({@link PartialForward}), written straight into the joined array.
 * Either way the scales, clips and weights are bit for bit those of caching every input first.
 */
public final class Awq implements QuantizationMethod {

    private static final Logger LOG = LoggerFactory.getLogger(Awq.class);
    /** llm-awq auto_clip: tokens kept for the clip search (stride {@code max(1, T/512)}). */
    static final int CLIP_TOKENS = 512;
    /** llm-awq auto_clip: {@code max_shrink = 0.5} of a 20-point grid: 10 candidates. */
    static final int CLIP_GRID = 20;
    static final double CLIP_MAX_SHRINK = 0.5;

    private final WeightQuantizer weights;
    private final ActivationQuantizer activations;
    private final int gridPoints;
    private final boolean clipSearch;
    private final long stageBudgetBytes;

    /**
     * @param weights     the final grid (AWQ: asymmetric, {@link WeightQuantizer.Grid#AWQ}, g128)
     * @param activations activation quantization of the resulting layers, or {@code null} (weight-only)
     * @param gridPoints  scale grid points ({@code α = k/gridPoints}, default 20)
     * @param clipSearch  whether to search weight clips
     */
    public Awq(WeightQuantizer weights, ActivationQuantizer activations, int gridPoints, boolean clipSearch) {
        this(weights, activations, gridPoints, clipSearch, StagedForward.AUTO_BUDGET);
    }

    /**
     * @param stageBudgetBytes most bytes of resumable-forward stages to keep ({@link StagedForward#AUTO_BUDGET}: a
     *                         quarter of the maximum heap; 0: always stream, re-running the block per group)
     */
    public Awq(WeightQuantizer weights, ActivationQuantizer activations, int gridPoints, boolean clipSearch,
               long stageBudgetBytes) {
        if (stageBudgetBytes < 0 && stageBudgetBytes != StagedForward.AUTO_BUDGET) {
            throw new IllegalArgumentException("stage budget must be >= 0 bytes or AUTO_BUDGET, got " + stageBudgetBytes);
        }
        if (weights == null) {
            throw new IllegalArgumentException("weights must not be null");
        }
        if (gridPoints < 1) {
            throw new IllegalArgumentException("gridPoints must be at least 1, got " + gridPoints);
        }
        this.weights = weights;
        this.activations = activations;
        this.gridPoints = gridPoints;
        this.clipSearch = clipSearch;
        this.stageBudgetBytes = stageBudgetBytes;
    }

    /** AWQ configured from a recipe. */
    public static Awq fromRecipe(Recipe r) {
        return new Awq(r.weightQuantizer(), r.activationQuantizer(), r.awqGridPoints(), r.clipSearch());
    }

    @Override
    public String name() {
        return "awq";
    }

    @Override
    public boolean propagatesQuantizedOutputs() {
        return false;
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        long start = System.nanoTime();
        List<LinearGroup> groups = block.groups();
        int total = 2 * groups.size() + 1;
        int done = 0;

        // walk the full-precision block group by group: search each group's scale on its input, keep only the
        // clip search's token sample, then move on (the block stays full precision until every scale is found)
        progress.onProgress(new Progress("awq inputs", done, total));
        StagedForward staged = StagedForward.fits(block, inputs, tokens, stageBudgetBytes)
                ? StagedForward.begin(block, inputs, tokens) : null;
        Map<LinearRole, String> notes = new EnumMap<>(LinearRole.class);
        Map<GroupRole, float[]> scales = new EnumMap<>(GroupRole.class);
        Map<GroupRole, float[]> clipSamples = new EnumMap<>(GroupRole.class);
        for (int gi = 0; gi < groups.size(); gi++) {
            LinearGroup group = groups.get(gi);
            progress.onProgress(new Progress("awq scale " + group.role(), ++done, total));
            int in = block.linear(group.members().getFirst()).inFeatures();
            boolean last = gi + 1 == groups.size();
            if (staged != null && gi > 0 && !(last && joinable(group.role(), inputs))) {
                staged.advance(); // with the unchanged full-precision layers: this group's input as forward sees it
            }
            List<float[]> x = groupInputs(block, group.role(), in, staged, last, inputs, tokens);
            int rows = x.size() == inputs.size() ? tokens : inputs.size() * tokens;
            String skip = absorberMismatch(block, group, in);
            if (skip != null) {
                LOG.debug("block {}: {} not scaled: {}", block.index(), group.role(), skip);
                for (LinearRole role : group.members()) {
                    notes.put(role, "not scaled: " + skip);
                }
            } else {
                scales.put(group.role(), searchScale(block, group, x, rows, in));
            }
            if (clipSearch) {
                clipSamples.put(group.role(), sampleTokens(x, rows, in));
            }
            x = null; // let the advance drop this group's inputs
        }
        staged = null;

        // apply the scales (llm-awq order: a later group's 1/s lands in an earlier group's rows, e.g. o → v)
        for (LinearGroup group : groups) {
            float[] s = scales.get(group.role());
            if (s != null) {
                applyScale(block, group, s);
                float[] xs = clipSamples.get(group.role());
                if (xs != null) {
                    divideColumns(xs, s);
                }
            }
        }

        // clip search (not for q and k, which feed QKᵀ), then the real quantization
        List<BlockReport.LayerReport> layers = new ArrayList<>();
        for (LinearGroup group : groups) {
            progress.onProgress(new Progress("awq clip+quantize " + group.role(), ++done, total));
            for (LinearRole role : group.members()) {
                long t0 = System.nanoTime();
                Linear linear = block.linear(role);
                int out = linear.outFeatures();
                int in = linear.inFeatures();
                float[] W = linear.effectiveWeight();
                double clipErr = Double.NaN;
                if (clipSearch && role != LinearRole.Q && role != LinearRole.K) {
                    clipErr = searchAndApplyClip(W, out, in, clipSamples.get(group.role()));
                }
                QuantizedWeight q;
                try {
                    q = weights.quantize(W, out, in);
                } catch (IllegalArgumentException e) {
                    throw new QuantizationException("cannot quantize " + block.name(role) + ": " + e.getMessage(), e);
                }
                Linear quantized = QuantizedLinears.of(q, linear.bias(), activations, null);
                block.setLinear(role, quantized);
                layers.add(new BlockReport.LayerReport(block.name(role), quantized.format(), clipErr,
                        notes.getOrDefault(role, ""), (System.nanoTime() - t0) / 1_000_000));
            }
        }
        progress.onProgress(new Progress("awq done", total, total));
        return new BlockReport(block.index(), layers, (System.nanoTime() - start) / 1_000_000);
    }

    /** Whether {@link #searchScale} scores {@code role} on the sequences' inputs joined into one array. */
    private static boolean joinable(GroupRole role, List<float[]> inputs) {
        return role != GroupRole.QKV && inputs.size() > 1;
    }

    /**
     * The full-precision input of {@code role} on every calibration sequence. Staged: the stages' arrays (one per
     * sequence, owned by the stages), the stages standing at {@code role}; for the last group of a row-wise
     * sub-layer the stages stand at the group before, and each is advanced, copied into one array of
     * {@code sequences · tokens} rows (what {@link #searchScale} would otherwise join) and released. Streaming: a
     * forward per sequence that stops after the group, copied into that joined array for the row-wise sub-layers
     * and into one array per sequence for attention.
     */
    private static List<float[]> groupInputs(QuantizableBlock block, GroupRole role, int in, StagedForward staged,
                                             boolean last, List<float[]> inputs, int tokens) {
        String what = "block " + block.index() + " " + role + " input";
        boolean joined = joinable(role, inputs);
        List<float[]> x = new ArrayList<>(inputs.size());
        if (staged != null && !(last && joined)) {
            for (int s = 0; s < staged.size(); s++) {
                float[] xs = staged.groupInput(s, role);
                Activations.requireFinite(xs, tokens, in, what);
                x.add(xs);
            }
            return x;
        }
        long rows = (long) inputs.size() * tokens;
        if (joined && rows * in > Integer.MAX_VALUE - 8) {
            throw new QuantizationException("block " + block.index() + ": " + rows + " calibration tokens x " + in
                    + " inputs of " + role + " exceed one Java array; calibrate on fewer tokens");
        }
        float[] all = joined ? new float[(int) rows * in] : null;
        if (staged != null) {
            for (int s = 0; s < staged.size(); s++) {
                BlockStage stage = staged.advanceAndRelease(s);
                if (stage.next() != role) {
                    throw new IllegalStateException("block " + block.index() + ": the resumable forward reached "
                            + stage.next() + " where group " + role + " runs next");
                }
                Activations.requireFinite(stage.groupInput(), tokens, in, what);
                System.arraycopy(stage.groupInput(), 0, all, s * tokens * in, tokens * in);
            }
            return List.of(all);
        }
        for (int s = 0; s < inputs.size(); s++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new QuantizationException("interrupted while calibrating block " + block.index());
            }
            int offset = s * tokens * in;
            PartialForward.groupInputs(block, inputs.get(s), tokens, Set.of(role), (r, input, count) -> {
                Activations.requireFinite(input, count, in, what);
                if (joined) {
                    System.arraycopy(input, 0, all, offset, count * in);
                } else {
                    x.add(java.util.Arrays.copyOf(input, count * in));
                }
            });
        }
        return joined ? List.of(all) : x;
    }

    /**
     * The grid search of llm-awq {@code _auto_get_scale}:
     * <pre>
     *   x̄ = mean_t |x|
     *   for α in 0, 1/n, …, (n−1)/n:
     *       s = max(x̄^α, 1e-4);  s = s / sqrt(max(s)·min(s))
     *       W ← Q(W·diag s)·diag(s)⁻¹ for each linear of the group
     *       loss = mean((org − subLayer(x))²)
     *   keep the s with the least loss
     * </pre>
     */
    float[] searchScale(QuantizableBlock block, LinearGroup group, List<float[]> x, int tokens, int in) {
        float[] xMean = meanAbs(x, tokens, in);
        if (group.role() != GroupRole.QKV && x.size() > 1) {
            // every sub-layer but attention works row by row: score all windows in one call of many rows
            // (same loss, far fewer and larger GEMMs)
            int windows = x.size();
            float[] all = new float[windows * tokens * in];
            for (int i = 0; i < windows; i++) {
                System.arraycopy(x.get(i), 0, all, i * tokens * in, tokens * in);
            }
            x = List.of(all);
            tokens *= windows;
        }
        List<float[]> org = new ArrayList<>(x.size());
        for (float[] xi : x) {
            org.add(block.subLayerForward(group.role(), xi, tokens));
        }
        Map<LinearRole, Linear> original = new HashMap<>();
        for (LinearRole role : group.members()) {
            original.put(role, block.linear(role));
        }
        float[] best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        try {
            for (int k = 0; k < gridPoints; k++) {
                double alpha = (double) k / gridPoints;
                float[] s = new float[in];
                float max = 0f;
                float min = Float.POSITIVE_INFINITY;
                for (int j = 0; j < in; j++) {
                    s[j] = Math.max((float) Math.pow(xMean[j], alpha), 1e-4f);
                    max = Math.max(max, s[j]);
                    min = Math.min(min, s[j]);
                }
                float norm = (float) Math.sqrt(max * min);
                for (int j = 0; j < in; j++) {
                    s[j] /= norm;
                }
                for (LinearRole role : group.members()) {
                    block.setLinear(role, scaledFakeQuantized(original.get(role), s));
                }
                double loss = 0;
                long count = 0;
                for (int i = 0; i < x.size(); i++) {
                    float[] out = block.subLayerForward(group.role(), x.get(i), tokens);
                    float[] o = org.get(i);
                    for (int t = 0; t < out.length; t++) {
                        double d = (double) o[t] - out[t];
                        loss += d * d;
                    }
                    count += out.length;
                }
                loss /= count;
                if (loss < bestLoss) {
                    bestLoss = loss;
                    best = s;
                }
            }
        } finally {
            original.forEach(block::setLinear);
        }
        if (best == null) {
            throw new QuantizationException("AWQ scale search found no finite loss in block " + block.index()
                    + " group " + group.role());
        }
        return best;
    }

    /** {@code Q(W·diag s)·diag(s)⁻¹} as a dense layer, for scoring a candidate scale. */
    private Linear scaledFakeQuantized(Linear linear, float[] s) {
        int out = linear.outFeatures();
        int in = linear.inFeatures();
        float[] W = linear.effectiveWeight();
        multiplyColumns(W, s);
        float[] Wq = weights.quantize(W, out, in).dequantize();
        divideColumns(Wq, s);
        return DenseLinear.of(Wq, linear.bias(), out, in);
    }

    /** Absorber ÷ s, group weights × s (llm-awq {@code apply_scale}). */
    private static void applyScale(QuantizableBlock block, LinearGroup group, float[] s) {
        Absorber absorber = group.absorber();
        if (absorber.norm() != null) {
            float[] gain = block.normWeight(absorber.norm());
            for (int j = 0; j < gain.length; j++) {
                gain[j] /= s[j];
            }
            block.setNormWeight(absorber.norm(), gain);
        } else {
            Linear prev = block.linear(absorber.linearRows());
            int out = prev.outFeatures();
            int in = prev.inFeatures();
            float[] W = prev.effectiveWeight();
            float[] b = prev.bias();
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    W[r * in + c] /= s[r];
                }
                if (b != null) {
                    b[r] /= s[r];
                }
            }
            block.setLinear(absorber.linearRows(), DenseLinear.of(W, b, out, in));
        }
        for (LinearRole role : group.members()) {
            Linear l = block.linear(role);
            float[] W = l.effectiveWeight();
            multiplyColumns(W, s);
            block.setLinear(role, DenseLinear.of(W, l.bias(), l.outFeatures(), l.inFeatures()));
        }
    }

    /** Why a group cannot be scaled (its absorber's rows do not match its input, e.g. v → o under GQA), or null. */
    private static String absorberMismatch(QuantizableBlock block, LinearGroup group, int in) {
        LinearRole rows = group.absorber().linearRows();
        if (rows == null) {
            return null;
        }
        Linear prev = block.linear(rows);
        Linear first = block.linear(group.members().getFirst());
        boolean mismatch = prev.outFeatures() != in
                // llm-awq scales v → o only when the two weights have the same shape
                || group.role() == GroupRole.O
                && (prev.outFeatures() != first.outFeatures() || prev.inFeatures() != first.inFeatures());
        return mismatch ? rows + " " + prev.outFeatures() + "x" + prev.inFeatures() + " cannot absorb the input scale of "
                + group.members().getFirst() + " " + first.outFeatures() + "x" + first.inFeatures()
                + " (shapes differ, e.g. grouped-query attention)" : null;
    }

    /**
     * llm-awq {@code auto_clip_layer}: per (row, group) the max {@code m = m0·(1 − i/20)}, {@code i < 10}, that
     * minimises {@code mean_t (Σ_{k∈group} x_k·(Q(clamp(W, −m, m))_k − W_k))²} over every
     * {@code max(1, T/512)}-th token; then {@code W ← clamp(W, −m*, m*)} (symmetric although the grid is not).
     *
     * <p>The mean over tokens is evaluated as {@code δᵀ·G·δ} with {@code δ = Q(clamp(w)) − w} and the group's
     * Gram matrix {@code G = mean_t x_t·x_tᵀ} (same value, {@code g²} instead of {@code T·g} per candidate).
     *
     * @return the summed best error, for the report
     */
    double searchAndApplyClip(float[] W, int out, int in, List<float[]> x, int tokens) {
        return searchAndApplyClip(W, out, in, sampleTokens(x, tokens, in));
    }

    /** {@link #searchAndApplyClip(float[], int, int, List, int)} on the tokens it samples ({@code xs}, {@code [n, in]}). */
    private double searchAndApplyClip(float[] W, int out, int in, float[] xs) {
        int g = weights.effectiveGroupSize(in);
        if (in % g != 0) {
            throw new QuantizationException("group size " + g + " does not divide in = " + in);
        }
        int n = xs.length / in;
        int groups = in / g;
        double[][] gram = new double[groups][g * g];
        for (int c = 0; c < groups; c++) {
            double[] G = gram[c];
            for (int t = 0; t < n; t++) {
                int xo = t * in + c * g;
                for (int a = 0; a < g; a++) {
                    double xa = xs[xo + a] / (double) n;
                    for (int b = 0; b < g; b++) {
                        G[a * g + b] += xa * xs[xo + b];
                    }
                }
            }
        }
        int steps = (int) (CLIP_MAX_SHRINK * CLIP_GRID);
        WeightQuantizer groupGrid = new WeightQuantizer(weights.bits(), g, weights.symmetric(), weights.grid(), weights.mseClip());
        double[] rowErr = new double[out];
        java.util.stream.IntStream.range(0, out).parallel().forEach(r -> {
            float[] cur = new float[g];
            double[] delta = new double[g];
            for (int c = 0; c < groups; c++) {
                int base = r * in + c * g;
                double[] G = gram[c];
                float m0 = 0f;
                for (int k = 0; k < g; k++) {
                    m0 = Math.max(m0, Math.abs(W[base + k]));
                }
                float bestMax = m0;
                double bestErr = Double.POSITIVE_INFINITY;
                for (int i = 0; i < steps; i++) {
                    float m = m0 * (1f - (float) i / CLIP_GRID);
                    for (int k = 0; k < g; k++) {
                        cur[k] = Math.max(-m, Math.min(m, W[base + k]));
                    }
                    QuantizedWeight q = groupGrid.quantize(cur, 1, g);
                    for (int k = 0; k < g; k++) {
                        delta[k] = q.dequantize(0, k) - W[base + k];
                    }
                    double err = 0;
                    for (int a = 0; a < g; a++) {
                        double acc = 0;
                        for (int b = 0; b < g; b++) {
                            acc += G[a * g + b] * delta[b];
                        }
                        err += delta[a] * acc;
                    }
                    if (err < bestErr) {
                        bestErr = err;
                        bestMax = m;
                    }
                }
                for (int k = 0; k < g; k++) {
                    W[base + k] = Math.max(-bestMax, Math.min(bestMax, W[base + k]));
                }
                rowErr[r] += bestErr;
            }
        });
        double total = 0;
        for (double e : rowErr) {
            total += e;
        }
        return total;
    }

    /** Every {@code max(1, T/512)}-th token of the concatenated inputs. */
    private static float[] sampleTokens(List<float[]> x, int tokens, int in) {
        int total = x.size() * tokens;
        int stride = Math.max(1, total / CLIP_TOKENS);
        int n = (total + stride - 1) / stride;
        float[] xs = new float[n * in];
        for (int i = 0, t = 0; t < total; t += stride, i++) {
            System.arraycopy(x.get(t / tokens), (t % tokens) * in, xs, i * in, in);
        }
        return xs;
    }

    private static float[] meanAbs(List<float[]> x, int tokens, int in) {
        double[] sum = new double[in];
        for (float[] xi : x) {
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < in; j++) {
                    sum[j] += Math.abs(xi[t * in + j]);
                }
            }
        }
        float[] mean = new float[in];
        double n = (double) x.size() * tokens;
        for (int j = 0; j < in; j++) {
            mean[j] = (float) (sum[j] / n);
        }
        return mean;
    }

    /** {@code W ← W·diag(s)}: column {@code j} times {@code s[j]}. */
    private static void multiplyColumns(float[] w, float[] s) {
        int in = s.length;
        for (int k = 0; k < w.length; k++) {
            w[k] *= s[k % in];
        }
    }

    /** Column {@code j} divided by {@code s[j]}. */
    private static void divideColumns(float[] w, float[] s) {
        int in = s.length;
        for (int k = 0; k < w.length; k++) {
            w[k] /= s[k % in];
        }
    }
}
