package io.github.dllmquant.methods.gptq;

import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.Activations;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.ColumnPermutation;
import io.github.dllmquant.methods.QuantizationException;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.QuantizedLinears;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * GPTQ over a model, block by block (IST-DASLab/gptq {@code llama_sequential}, ptq-methods.md §3): with
 * {@code trueSequential} each linear group (q/k/v → o → gate/up → down) gets its Hessian from a fresh
 * forward of the block <em>after</em> the earlier groups were quantized, so it sees quantized upstream
 * weights. All of q, k and v are quantized (the study's reference skipped them through a name mismatch).
 * The calibrator then feeds the quantized block's outputs to the next block.
 */
public final class GptqMethod implements QuantizationMethod {

    private static final Logger LOG = LoggerFactory.getLogger(GptqMethod.class);

    private final GptqSettings settings;
    private final ActivationQuantizer activations;
    private final boolean trueSequential;

    /**
     * @param settings       grid and GPTQ knobs
     * @param activations    per-token activation quantization of the resulting layers, or {@code null}
     * @param trueSequential one forward per group (default) or one forward collecting every group's Hessian
     */
    public GptqMethod(GptqSettings settings, ActivationQuantizer activations, boolean trueSequential) {
        if (settings == null) {
            throw new IllegalArgumentException("settings must not be null");
        }
        this.settings = settings;
        this.activations = activations;
        this.trueSequential = trueSequential;
    }

    @Override
    public String name() {
        return "gptq";
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        long start = System.nanoTime();
        List<BlockReport.LayerReport> layers = new ArrayList<>();
        List<LinearGroup> groups = block.groups();
        int total = 0;
        for (LinearGroup group : groups) {
            total += 1 + group.members().size();
        }
        int done = 0;
        Map<GroupRole, HessianAccumulator> hessians = new EnumMap<>(GroupRole.class);
        for (LinearGroup group : groups) {
            if (!hessians.containsKey(group.role())) {
                progress.onProgress(new Progress("gptq hessian " + group.role(), done, total));
                List<LinearGroup> collect = trueSequential ? List.of(group) : groups;
                hessians.putAll(accumulate(block, collect, inputs, tokens));
            }
            done++;
            float[] H = hessians.remove(group.role()).hessian();
            for (LinearRole role : group.members()) {
                progress.onProgress(new Progress("gptq " + block.name(role), done, total));
                long t0 = System.nanoTime();
                Linear linear = block.linear(role);
                GptqResult result;
                try {
                    result = Gptq.quantize(linear.effectiveWeight(), linear.outFeatures(), linear.inFeatures(), H, settings);
                } catch (IllegalArgumentException e) {
                    throw new QuantizationException("cannot quantize " + block.name(role) + ": " + e.getMessage(), e);
                }
                Linear quantized = apply(result, linear.bias(), activations);
                block.setLinear(role, quantized);
                if (!result.note().isEmpty()) {
                    LOG.warn("{}: {}", block.name(role), result.note());
                }
                layers.add(new BlockReport.LayerReport(block.name(role), quantized.format(), result.loss(),
                        result.note(), (System.nanoTime() - t0) / 1_000_000));
                done++;
            }
        }
        progress.onProgress(new Progress("gptq done", total, total));
        return new BlockReport(block.index(), layers, (System.nanoTime() - start) / 1_000_000);
    }

    /** The executable layer for a result: the input permutation runs online when the columns are permuted. */
    public static Linear apply(GptqResult result, float[] bias, ActivationQuantizer activations) {
        ColumnPermutation transform = result.columnsPermuted() ? new ColumnPermutation(result.perm()) : null;
        return QuantizedLinears.of(result.weight(), bias, activations, transform);
    }

    /**
     * Runs the block on every input and sums the Hessians of the requested groups. The forward stops as
     * soon as the last requested group's input was seen: with true-sequential calibration the q/k/v pass
     * needs only the first norm and the o pass only the attention, so the later sub-layers are not run.
     */
    private static Map<GroupRole, HessianAccumulator> accumulate(QuantizableBlock block, List<LinearGroup> groups,
                                                                 List<float[]> inputs, int tokens) {
        Map<GroupRole, HessianAccumulator> acc = new EnumMap<>(GroupRole.class);
        for (LinearGroup group : groups) {
            acc.put(group.role(), new HessianAccumulator(block.linear(group.members().getFirst()).inFeatures()));
        }
        int wanted = acc.size();
        for (float[] x : inputs) {
            if (Thread.currentThread().isInterrupted()) {
                throw new QuantizationException("interrupted while calibrating block " + block.index());
            }
            int[] seen = {0};
            try {
                block.forward(x, tokens, (role, input, count) -> {
                    HessianAccumulator h = acc.get(role);
                    if (h != null) {
                        Activations.requireFinite(input, count, h.in(), "block " + block.index() + " " + role + " input");
                        h.addSequence(input, count);
                        if (++seen[0] == wanted) {
                            throw EnoughSeen.INSTANCE;
                        }
                    }
                });
            } catch (EnoughSeen stop) {
                // the rest of the block is not needed for these Hessians
            }
        }
        return acc;
    }

    /** Thrown by the observer to end a calibration forward early; stackless and shared (it carries no state). */
    private static final class EnoughSeen extends RuntimeException {
        static final EnoughSeen INSTANCE = new EnoughSeen();

        private EnoughSeen() {
            super("enough group inputs seen", null, false, false);
        }
    }
}
