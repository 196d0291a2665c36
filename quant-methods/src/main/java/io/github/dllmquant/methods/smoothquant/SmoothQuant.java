package io.github.dllmquant.methods.smoothquant;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.progress.Progress;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * SmoothQuant (Xiao et al., 2023; mit-han-lab/smoothquant {@code smooth.py}, ptq-methods.md §6): migrates
 * activation outliers into the weights with a per-channel scale
 * <pre>
 *   s_j = max(amax_j^α / wmax_j^(1−α), 1e-5),   wmax_j = max(max over the group's rows |W[:, j]|, 1e-5)
 * </pre>
 * where {@code amax_j} is the running {@code max_t |x_j|} of the group's input over all calibration tokens
 * of the block. The norm before the group absorbs {@code 1/s} ({@code γ ← γ/s}); its consumers take
 * {@code W ← W·diag(s)}. As the reference, only the two norm-fed groups are smoothed (input norm → q/k/v,
 * post-attention norm → gate/up); o and down are not. Then every linear is quantized per output channel,
 * symmetric ({@code max/127} at 8 bits, {@code max/(2^(b−1)−1)} otherwise), and its activations per token
 * dynamically at run time: the result is an {@link ActivationQuantizedLinear} on integer kernels.
 */
public final class SmoothQuant implements QuantizationMethod {

    private static final Logger LOG = LoggerFactory.getLogger(SmoothQuant.class);

    /**
     * Settings.
     *
     * @param alpha       migration strength in [0, 1] (code default 0.5)
     * @param weightBits  2..8, per output channel, symmetric
     * @param activations per-token dynamic activation quantizer
     */
    public record Config(double alpha, int weightBits, ActivationQuantizer activations) {

        public Config {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
            if (weightBits < 2 || weightBits > 8) {
                throw new IllegalArgumentException("weight bits must be in 2..8, got " + weightBits);
            }
            if (activations == null) {
                throw new IllegalArgumentException("SmoothQuant quantizes activations: activations must not be null");
            }
        }

        /** W8A8, α 0.5, symmetric per-token activations. */
        public static Config defaults() {
            return new Config(0.5, 8, ActivationQuantizer.symmetric(8));
        }

        /** The same settings with another α. */
        public Config withAlpha(double a) {
            return new Config(a, weightBits, activations);
        }
    }

    /**
     * The calibration result: the smoothing scale of each smoothed group.
     *
     * @param scales per group role, {@code s [in]}
     */
    public record Scales(Map<GroupRole, float[]> scales) {
        public Scales {
            scales = Map.copyOf(scales);
        }
    }

    private final Config config;

    public SmoothQuant(Config config) {
        this.config = config;
    }

    /**
     * The method a {@link io.github.dllmquant.methods.Recipe} describes: its weight bits, activation quantizer
     * and α (0.5 when unset). Weights are always per output channel, symmetric.
     *
     * @throws IllegalArgumentException for a weight-only scheme (SmoothQuant exists to quantize activations)
     */
    public static SmoothQuant fromRecipe(io.github.dllmquant.methods.Recipe r) {
        if (r.weightOnly()) {
            throw new IllegalArgumentException("smoothquant quantizes activations: scheme " + r.schemeName()
                    + " is weight-only; use w8a8, w4a8 or w4a4");
        }
        double alpha = Double.isNaN(r.alpha()) ? 0.5 : r.alpha();
        return new SmoothQuant(new Config(alpha, r.weightBits(), r.activationQuantizer()));
    }

    /** The settings. */
    public Config config() {
        return config;
    }

    @Override
    public String name() {
        return "smoothquant";
    }

    /** Computes the smoothing scales of the norm-fed groups from the block's calibration inputs. */
    public Scales calibrate(QuantizableBlock block, List<float[]> inputs, int tokens) {
        Map<GroupRole, float[]> amax = BlockOps.channelAbsMax(block, inputs, tokens);
        Map<GroupRole, float[]> result = new EnumMap<>(GroupRole.class);
        for (LinearGroup group : block.groups()) {
            if (group.absorber().norm() == null) {
                continue; // o and down are not smoothed (reference and llm-compressor mappings)
            }
            float[] a = amax.get(group.role());
            if (a == null) {
                throw new IllegalStateException("block " + block.index() + " reported no input for group " + group.role());
            }
            List<Linear> members = group.members().stream().map(block::linear).toList();
            float[] wmax = BlockOps.columnAbsMax(members, 1e-5f);
            float[] s = new float[a.length];
            for (int j = 0; j < s.length; j++) {
                s[j] = (float) Math.max(Math.pow(a[j], config.alpha()) / Math.pow(wmax[j], 1 - config.alpha()), 1e-5);
            }
            result.put(group.role(), s);
        }
        return new Scales(result);
    }

    /**
     * Applies the scales without quantizing: {@code γ ← γ/s} on the group's norm, {@code W ← W·diag(s)} on
     * its members (which become dense). The block computes the same function afterwards.
     */
    public static void applySmoothing(QuantizableBlock block, Scales scales) {
        for (LinearGroup group : block.groups()) {
            float[] s = scales.scales().get(group.role());
            if (s == null) {
                continue;
            }
            if (group.absorber().norm() == null) {
                throw new IllegalArgumentException("group " + group.role() + " has no norm to absorb a smoothing scale");
            }
            float[] gamma = block.normWeight(group.absorber().norm());
            for (int j = 0; j < gamma.length; j++) {
                gamma[j] /= s[j];
            }
            block.setNormWeight(group.absorber().norm(), gamma);
            for (LinearRole role : group.members()) {
                Linear l = block.linear(role);
                float[] w = BlockOps.scaleColumns(l.effectiveWeight(), l.outFeatures(), l.inFeatures(), s);
                block.setLinear(role, BlockOps.dense(w, l));
            }
        }
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        long t0 = System.nanoTime();
        Scales scales = calibrate(block, inputs, tokens);
        applySmoothing(block, scales);
        // the smoothed full-precision group inputs of the first sequence measure each layer's error
        Map<GroupRole, float[]> probe = BlockOps.captureGroupInputs(block, inputs.get(0), tokens);
        List<BlockReport.LayerReport> layers = new ArrayList<>();
        // per output channel, signed max/(2^(b−1)−1): at 8 bits SmoothQuant's max/127 int8 grid
        WeightQuantizer grid = new WeightQuantizer(config.weightBits(), -1, true, WeightQuantizer.Grid.QUAROT, false);
        int done = 0;
        for (LinearGroup group : block.groups()) {
            BlockOps.checkInterrupted();
            progress.onProgress(new Progress("smoothquant block " + block.index() + ": " + group.role(), done++,
                    block.groups().size()));
            for (LinearRole role : group.members()) {
                Linear fp = block.linear(role);
                QuantizedWeight qw = grid.quantize(fp.effectiveWeight(), fp.outFeatures(), fp.inFeatures());
                Linear q = ActivationQuantizedLinear.of(qw, fp.bias(), config.activations(), null);
                double loss = BlockOps.outputMse(fp, q, probe.get(group.role()), tokens);
                block.setLinear(role, q);
                layers.add(new BlockReport.LayerReport(block.name(role), q.format(), loss,
                        scales.scales().containsKey(group.role()) ? "smoothed alpha=" + config.alpha() : ""));
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.debug("smoothquant block {}: {} layers in {} ms", block.index(), layers.size(), millis);
        return new BlockReport(block.index(), layers, millis);
    }
}
