package io.github.dllmquant.methods.awq;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.Absorber;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.Activations;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.QuantizationException;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.QuantizedLinears;
import io.github.dllmquant.methods.Recipe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * AWQ: activation-aware weight quantization (Lin et al., 2023; mit-han-lab/llm-awq {@code run_awq},
 * {@code auto_scale_block}, {@code auto_clip_block}; ptq-methods.md §5).
 *
 * <p>Per block, on the full-precision block: cache each linear group's input; for each group search the
 * per-channel scale {@code s = x̄^α / sqrt(max·min)} over the grid {@code α = k/20} that minimises the
 * output error of the sub-layer the group feeds, with {@code W ← Q(W·diag s)·diag(s)⁻¹}; absorb {@code 1/s}
 * into the producer (norm gain or the previous linear's rows, as the block's {@link LinearGroup}s state)
 * and {@code s} into the group's weights; then search a per-group weight clip for every linear except
 * q and k; finally quantize on AWQ's asymmetric grid. The next block calibrates on the full-precision
 * outputs ({@link #propagatesQuantizedOutputs()} is false).
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

    /**
     * @param weights     the final grid (AWQ: asymmetric, {@link WeightQuantizer.Grid#AWQ}, g128)
     * @param activations activation quantization of the resulting layers, or {@code null} (weight-only)
     * @param gridPoints  scale grid points ({@code α = k/gridPoints}, default 20)
     * @param clipSearch  whether to search weight clips
     */
    public Awq(WeightQuantizer weights, ActivationQuantizer activations, int gridPoints, boolean clipSearch) {
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

        // cache every group's input on the full-precision block
        progress.onProgress(new Progress("awq inputs", done, total));
        Map<GroupRole, List<float[]>> feat = captureInputs(block, inputs, tokens);
        Map<LinearRole, String> notes = new EnumMap<>(LinearRole.class);

        // search every group's scale on the full-precision weights, then apply them all (llm-awq order)
        Map<GroupRole, float[]> scales = new EnumMap<>(GroupRole.class);
        for (LinearGroup group : groups) {
            progress.onProgress(new Progress("awq scale " + group.role(), ++done, total));
            int in = block.linear(group.members().getFirst()).inFeatures();
            String skip = absorberMismatch(block, group, in);
            if (skip != null) {
                LOG.debug("block {}: {} not scaled: {}", block.index(), group.role(), skip);
                for (LinearRole role : group.members()) {
                    notes.put(role, "not scaled: " + skip);
                }
                continue;
            }
            scales.put(group.role(), searchScale(block, group, feat.get(group.role()), tokens, in));
        }
        for (LinearGroup group : groups) {
            float[] s = scales.get(group.role());
            if (s != null) {
                applyScale(block, group, s);
                for (float[] x : feat.get(group.role())) {
                    divideColumns(x, s);
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
                    clipErr = searchAndApplyClip(W, out, in, feat.get(group.role()), tokens);
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
        int g = weights.effectiveGroupSize(in);
        if (in % g != 0) {
            throw new QuantizationException("group size " + g + " does not divide in = " + in);
        }
        float[] xs = sampleTokens(x, tokens, in);
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

    private Map<GroupRole, List<float[]>> captureInputs(QuantizableBlock block, List<float[]> inputs, int tokens) {
        Map<GroupRole, List<float[]>> feat = new EnumMap<>(GroupRole.class);
        for (LinearGroup group : block.groups()) {
            feat.put(group.role(), new ArrayList<>(inputs.size()));
        }
        for (float[] x : inputs) {
            if (Thread.currentThread().isInterrupted()) {
                throw new QuantizationException("interrupted while calibrating block " + block.index());
            }
            block.forward(x, tokens, (role, input, count) -> {
                List<float[]> list = feat.get(role);
                if (list != null) {
                    int width = input.length / count;
                    Activations.requireFinite(input, count, width, "block " + block.index() + " " + role + " input");
                    list.add(java.util.Arrays.copyOf(input, count * width));
                }
            });
        }
        return feat;
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
