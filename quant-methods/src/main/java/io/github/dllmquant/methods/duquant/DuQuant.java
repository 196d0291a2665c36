package io.github.dllmquant.methods.duquant;

import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.quarot.BlockOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DuQuant (Lin et al., "Rotation and Permutation for Advanced Outlier Management and Efficient
 * Quantization of LLMs", 2024; Hsu1023/DuQuant {@code quantize/duquant.py}; ptq-methods.md §8), per block:
 * <ol>
 *   <li>smoothing: {@code s = max(act^α / wmax^(1−α), 1e-5)}, floored at 0.01, {@code act} the per-channel
 *       {@code max|x|} over all calibration tokens, {@code wmax} from the first linear of the reference's
 *       order (q for q/k/v, up for gate/up); absorbed by the input norm (q/k/v), the post-attention norm
 *       (gate/up), v's rows (o; skipped under GQA, where v has fewer rows than o has inputs) and up's rows
 *       (down);</li>
 *   <li>on the smoothed input of each group, computed from the <b>mean over the calibration sequences</b>
 *       of the block input run once through the block: greedy block rotation {@code R1}, zigzag permutation,
 *       second rotation {@code R2} ({@link GreedyRotation}); q/k/v share one transform (they share the input),
 *       gate/up another, o and down their own;</li>
 *   <li>weights {@code Ŵ = T(W·diag(s))} row by row, quantized per output channel, asymmetric, clip
 *       {@code swc} (default 0.8); activations per token, asymmetric, clip {@code lac} (default 0.9), run online
 *       after {@link DuQuantTransform} inside an {@link ActivationQuantizedLinear}.</li>
 * </ol>
 * Block size: 128, or the width if smaller; a width that is not a multiple of 128 uses the largest divisor
 * of the width below 128 (e.g. 192 → 96), so every block has its own full rotation. The reference shares one
 * {@code R} across the blocks of a vector; so do we. Differences from the reference: the exchanged index is
 * the channel (paper) unless {@link Config#rowIndexQuirk}; no learnable clipping (LWC).
 */
public final class DuQuant implements QuantizationMethod {

    private static final Logger LOG = LoggerFactory.getLogger(DuQuant.class);

    /**
     * Settings.
     *
     * @param weightBits    2..8, per output channel, asymmetric
     * @param activations   per-token dynamic activation quantizer (reference: asymmetric, clip {@code lac} 0.9)
     * @param alpha         smoothing strength (run.sh 0.6)
     * @param blockSize     rotation block (128)
     * @param rotationSteps greedy steps per rotation (256)
     * @param weightClip    {@code swc}, static weight clip ratio (0.8)
     * @param seed          seeds the random {@code Q'} of every rotation (per block: {@code seed} and block index)
     * @param smooth        whether to smooth before rotating (the reference does)
     * @param rowIndexQuirk reproduce the reference's {@code row % 128} exchange index
     */
    public record Config(int weightBits, ActivationQuantizer activations, double alpha, int blockSize,
                         int rotationSteps, float weightClip, long seed, boolean smooth, boolean rowIndexQuirk) {

        public Config {
            if (weightBits < 2 || weightBits > 8) {
                throw new IllegalArgumentException("weight bits must be in 2..8, got " + weightBits);
            }
            if (activations == null) {
                throw new IllegalArgumentException("DuQuant quantizes activations: activations must not be null");
            }
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
            if (blockSize < 2) {
                throw new IllegalArgumentException("block size must be at least 2, got " + blockSize);
            }
            if (rotationSteps < 0) {
                throw new IllegalArgumentException("rotation steps must be >= 0, got " + rotationSteps);
            }
            if (!(weightClip > 0f && weightClip <= 1f)) {
                throw new IllegalArgumentException("weight clip must be in (0, 1], got " + weightClip);
            }
        }

        /**
         * The study's DuQuant at {@code wBits}/{@code aBits}: α 0.6, block 128, 256 steps, asymmetric, and the clip
         * ratios of run.sh (a W4A4 script): swc 0.8 for weights of at most 4 bits and lac 0.9 for activations of at
         * most 4 bits. Wider grids are not clipped: at 8 bits the rounding error is so small that clipping 20% of
         * the range costs more than it saves (measured on the planted-outlier block: W8A8 error 0.13 with the
         * W4A4 clips, 0.015 without, RTN 0.10).
         */
        public static Config of(int wBits, int aBits) {
            float lac = aBits <= 4 ? 0.9f : 1f;
            float swc = wBits <= 4 ? 0.8f : 1f;
            return new Config(wBits, new ActivationQuantizer(aBits, false, lac), 0.6, 128, 256, swc, 2, true, false);
        }

        /** W4A4 as run.sh. */
        public static Config defaults() {
            return of(4, 4);
        }

        /** The same settings with fewer or more greedy steps. */
        public Config withRotationSteps(int steps) {
            return new Config(weightBits, activations, alpha, blockSize, steps, weightClip, seed, smooth, rowIndexQuirk);
        }
    }

    /**
     * What calibration found for one group.
     *
     * @param role      the group
     * @param smoothing {@code s [in]} or {@code null} when the group is not smoothed
     * @param transform the online rotation/permutation
     */
    public record GroupTransform(GroupRole role, float[] smoothing, DuQuantTransform transform) {
    }

    /** The calibration result of one block, in group order. */
    public record BlockTransforms(List<GroupTransform> groups) {
        public BlockTransforms {
            groups = List.copyOf(groups);
        }
    }

    private final Config config;

    public DuQuant(Config config) {
        this.config = config;
    }

    /**
     * The method a {@link io.github.dllmquant.methods.Recipe} describes: weight and activation bits, activation
     * symmetry, α (0.6 when unset) and the activation clip (the recipe's when not 1, else {@link Config#of}'s
     * {@code lac}); options {@code duquant.swc}, {@code duquant.block} (128), {@code duquant.steps} (256),
     * {@code duquant.seed} (2) and {@code duquant.rowIndexQuirk} ({@code false}).
     *
     * @throws IllegalArgumentException for a weight-only scheme
     */
    public static DuQuant fromRecipe(io.github.dllmquant.methods.Recipe r) {
        if (r.weightOnly()) {
            throw new IllegalArgumentException("duquant quantizes activations: scheme " + r.schemeName()
                    + " is weight-only; use w8a8, w4a8 or w4a4");
        }
        Config d = Config.of(r.weightBits(), r.activationBits());
        float lac = r.activationClip() != 1.0 ? (float) r.activationClip() : d.activations().clipRatio();
        ActivationQuantizer a = new ActivationQuantizer(r.activationBits(), r.activationSymmetric(), lac);
        double alpha = Double.isNaN(r.alpha()) ? d.alpha() : r.alpha();
        float swc = Float.parseFloat(r.optionValue("duquant.swc", String.valueOf(d.weightClip())));
        int block = Integer.parseInt(r.optionValue("duquant.block", String.valueOf(d.blockSize())));
        int steps = Integer.parseInt(r.optionValue("duquant.steps", String.valueOf(d.rotationSteps())));
        long seed = Long.parseLong(r.optionValue("duquant.seed", String.valueOf(d.seed())));
        boolean quirk = Boolean.parseBoolean(r.optionValue("duquant.rowIndexQuirk", "false"));
        return new DuQuant(new Config(r.weightBits(), a, alpha, block, steps, swc, seed, d.smooth(), quirk));
    }

    /** The settings. */
    public Config config() {
        return config;
    }

    @Override
    public String name() {
        return "duquant";
    }

    /** The block size used for a width (see the class comment). */
    public static int blockSizeFor(int width, int configured) {
        if (width <= configured) {
            return width;
        }
        for (int b = configured; b >= 1; b--) {
            if (width % b == 0) {
                return b;
            }
        }
        return 1;
    }

    /** The reference's "first linear" of a group, whose weight maximum feeds the smoothing scale. */
    private static LinearRole smoothingReference(LinearGroup group) {
        return switch (group.role()) {
            case QKV -> LinearRole.Q;
            case GATE_UP -> LinearRole.UP;
            default -> group.members().get(0);
        };
    }

    /** Computes smoothing scales and rotations without changing the block. */
    public BlockTransforms calibrate(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        Map<GroupRole, float[]> act = BlockOps.channelAbsMax(block, inputs, tokens);
        // the mean over the calibration sequences, run once through the block
        int hiddenLen = inputs.get(0).length;
        float[] mean = new float[hiddenLen];
        for (float[] x : inputs) {
            for (int i = 0; i < hiddenLen; i++) {
                mean[i] += x[i];
            }
        }
        for (int i = 0; i < hiddenLen; i++) {
            mean[i] /= inputs.size();
        }
        Map<GroupRole, float[]> meanInputs = BlockOps.captureGroupInputs(block, mean, tokens);
        SplittableRandom rnd = new SplittableRandom(config.seed() * 1_000_003L + block.index());
        List<GroupTransform> result = new ArrayList<>();
        int done = 0;
        for (LinearGroup group : block.groups()) {
            BlockOps.checkInterrupted();
            progress.onProgress(new Progress("duquant block " + block.index() + ": rotate " + group.role(), done++,
                    block.groups().size()));
            float[] x = meanInputs.get(group.role());
            if (x == null) {
                throw new IllegalStateException("block " + block.index() + " reported no input for group " + group.role());
            }
            int in = x.length / tokens;
            float[] s = config.smooth() ? smoothingScales(block, group, act.get(group.role())) : null;
            float[] xs = x.clone();
            if (s != null) {
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < in; j++) {
                        xs[t * in + j] /= s[j];
                    }
                }
            }
            result.add(new GroupTransform(group.role(), s, rotations(xs, tokens, in, rnd)));
        }
        return new BlockTransforms(result);
    }

    /** {@code s}, or null when the group's absorber cannot take it (GQA: v has fewer rows than o inputs). */
    private float[] smoothingScales(QuantizableBlock block, LinearGroup group, float[] amax) {
        Linear first = block.linear(smoothingReference(group));
        if (group.absorber().linearRows() != null
                && block.linear(group.absorber().linearRows()).outFeatures() != first.inFeatures()) {
            LOG.debug("block {}: group {} not smoothed: {} has {} rows for {} inputs (GQA)", block.index(), group.role(),
                    group.absorber().linearRows(), block.linear(group.absorber().linearRows()).outFeatures(),
                    first.inFeatures());
            return null;
        }
        float[] wmax = BlockOps.columnAbsMax(List.of(first), 1e-5f);
        float[] s = new float[amax.length];
        for (int j = 0; j < s.length; j++) {
            double v = Math.max(Math.pow(amax[j], config.alpha()) / Math.pow(wmax[j], 1 - config.alpha()), 1e-5);
            s[j] = (float) Math.max(v, 1e-2);
        }
        return s;
    }

    /** {@code R1}, zigzag, {@code R2} on the smoothed group input {@code x [tokens, in]}. */
    private DuQuantTransform rotations(float[] x, int tokens, int in, SplittableRandom rnd) {
        int b = blockSizeFor(in, config.blockSize());
        int rows = tokens * (in / b);
        float[] r1 = GreedyRotation.rotation(x, rows, b, config.rotationSteps(), config.rowIndexQuirk(), rnd);
        float[] x1 = new float[x.length];
        GreedyRotation.multiply(x, rows, b, r1, x1);
        int[] perm = GreedyRotation.zigzag(x1, tokens, in, b);
        float[] x2 = new float[x.length];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < in; i++) {
                x2[t * in + i] = x1[t * in + perm[i]];
            }
        }
        float[] r2 = GreedyRotation.rotation(x2, rows, b, config.rotationSteps(), config.rowIndexQuirk(), rnd);
        return DuQuantTransform.of(in, b, r1, perm, r2);
    }

    /**
     * Applies calibrated transforms: absorbs the smoothing scales, transforms every member's weight rows and
     * installs either quantized layers ({@code quantize}) or full-precision {@link TransformedLinear}s (which
     * leave the block's function unchanged: the invariance check).
     *
     * @return one report per linear, with the layer's output MSE on {@code probeInput} (NaN when null)
     */
    public List<BlockReport.LayerReport> apply(QuantizableBlock block, BlockTransforms transforms, boolean quantize,
                                               float[] probeInput, int tokens) {
        Map<GroupRole, float[]> probe = probeInput == null ? Map.of() : BlockOps.captureGroupInputs(block, probeInput, tokens);
        List<BlockReport.LayerReport> reports = new ArrayList<>();
        // absorb every 1/s first, while all producers (v, up) are still full precision
        for (GroupTransform gt : transforms.groups()) {
            if (gt.smoothing() != null) {
                absorb(block, group(block, gt.role()), gt.smoothing());
            }
        }
        for (GroupTransform gt : transforms.groups()) {
            LinearGroup group = group(block, gt.role());
            float[] s = gt.smoothing();
            for (LinearRole role : group.members()) {
                Linear fp = block.linear(role);
                int out = fp.outFeatures();
                int in = fp.inFeatures();
                float[] w = fp.effectiveWeight();
                if (s != null) {
                    w = BlockOps.scaleColumns(w, out, in, s);
                }
                gt.transform().apply(w, out); // each weight row through the same orthogonal map
                Linear replaced;
                if (quantize) {
                    QuantizedWeight qw = DuQuantGrid.quantize(w, out, in, config.weightBits(), config.weightClip());
                    replaced = ActivationQuantizedLinear.of(qw, fp.bias(), config.activations(), gt.transform());
                } else {
                    replaced = TransformedLinear.of(gt.transform(), BlockOps.dense(w, fp));
                }
                double loss = Double.NaN;
                float[] px = probe.get(group.role());
                if (px != null) {
                    float[] xs = px;
                    if (s != null) {
                        xs = px.clone();
                        for (int i = 0; i < xs.length; i++) {
                            xs[i] /= s[i % in];
                        }
                    }
                    loss = BlockOps.outputMse(fp, replaced, px, xs, tokens);
                }
                block.setLinear(role, replaced);
                reports.add(new BlockReport.LayerReport(block.name(role), replaced.format(), loss,
                        s == null ? "not smoothed" : "smoothed alpha=" + config.alpha()));
            }
        }
        return reports;
    }

    private static LinearGroup group(QuantizableBlock block, GroupRole role) {
        return block.groups().stream().filter(g -> g.role() == role).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("block " + block.index() + " has no group " + role));
    }

    /** {@code 1/s} into the absorber (norm gain or the producing linear's rows and bias). */
    private static void absorb(QuantizableBlock block, LinearGroup group, float[] s) {
        if (group.absorber().norm() != null) {
            float[] gamma = block.normWeight(group.absorber().norm());
            for (int j = 0; j < gamma.length; j++) {
                gamma[j] /= s[j];
            }
            block.setNormWeight(group.absorber().norm(), gamma);
            return;
        }
        LinearRole producer = group.absorber().linearRows();
        Linear p = block.linear(producer);
        int out = p.outFeatures();
        int in = p.inFeatures();
        float[] w = p.effectiveWeight();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                w[o * in + i] /= s[o];
            }
        }
        float[] bias = p.bias();
        if (bias != null) {
            for (int o = 0; o < out; o++) {
                bias[o] /= s[o];
            }
        }
        block.setLinear(producer, io.github.dllmquant.core.linear.DenseLinear.of(w, bias, out, in));
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        long t0 = System.nanoTime();
        BlockTransforms transforms = calibrate(block, inputs, tokens, progress);
        List<BlockReport.LayerReport> layers = apply(block, transforms, true, inputs.get(0), tokens);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.debug("duquant block {}: {} layers in {} ms", block.index(), layers.size(), millis);
        return new BlockReport(block.index(), layers, millis);
    }
}
