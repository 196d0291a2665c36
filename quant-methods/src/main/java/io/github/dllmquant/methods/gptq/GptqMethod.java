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
import io.github.dllmquant.methods.BlockOutcome;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.ColumnPermutation;
import io.github.dllmquant.methods.QuantizationException;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.PartialForward;
import io.github.dllmquant.methods.QuantizedLinears;
import io.github.dllmquant.methods.StagedForward;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * GPTQ over a model, block by block (IST-DASLab/gptq {@code llama_sequential}, ptq-methods.md §3): with
 * {@code trueSequential} each linear group (q/k/v → o → gate/up → down) gets its Hessian from the block's
 * forward <em>after</em> the earlier groups were quantized, so it sees quantized upstream weights. All of q, k
 * and v are quantized (the study's reference skipped them through a name mismatch). The calibrator then feeds
 * the quantized block's outputs to the next block.
 *
 * <p>True-sequential calibration runs a resumable forward ({@link StagedForward}): one stage per calibration
 * sequence is kept and advanced by one group after that group was quantized, so every part of the block runs once per sequence and the last advance
 * yields the block outputs the calibrator needs. The kept stages cost up to {@code sequences · tokens ·
 * (hidden + widest group input) · 4} bytes (the gate/up → down stage holds the residual and
 * {@code silu(gate)·up}: 2.1 GB for an 8B-shaped block at 32k tokens). When that exceeds the stage budget
 * (default a quarter of the maximum heap) the method streams instead: each group's Hessian pass re-runs the
 * block from its input up to that group, sequence by sequence (the same Hessians and weights, more compute).
 */
public final class GptqMethod implements QuantizationMethod {

    private static final Logger LOG = LoggerFactory.getLogger(GptqMethod.class);
    /** {@link #GptqMethod(GptqSettings, ActivationQuantizer, boolean, long)}: a quarter of the maximum heap. */
    public static final long AUTO_STAGE_BUDGET = StagedForward.AUTO_BUDGET;

    private final GptqSettings settings;
    private final ActivationQuantizer activations;
    private final boolean trueSequential;
    private final long stageBudgetBytes;

    /**
     * @param settings       grid and GPTQ knobs
     * @param activations    per-token activation quantization of the resulting layers, or {@code null}
     * @param trueSequential one forward per group (default) or one forward collecting every group's Hessian
     */
    public GptqMethod(GptqSettings settings, ActivationQuantizer activations, boolean trueSequential) {
        this(settings, activations, trueSequential, AUTO_STAGE_BUDGET);
    }

    /**
     * @param stageBudgetBytes most bytes of resumable-forward stages to keep ({@link #AUTO_STAGE_BUDGET}: a
     *                         quarter of the maximum heap; 0: always stream, re-running the block per group)
     */
    public GptqMethod(GptqSettings settings, ActivationQuantizer activations, boolean trueSequential,
                      long stageBudgetBytes) {
        if (settings == null) {
            throw new IllegalArgumentException("settings must not be null");
        }
        if (stageBudgetBytes < 0 && stageBudgetBytes != AUTO_STAGE_BUDGET) {
            throw new IllegalArgumentException("stage budget must be >= 0 bytes or AUTO_STAGE_BUDGET, got " + stageBudgetBytes);
        }
        this.settings = settings;
        this.activations = activations;
        this.trueSequential = trueSequential;
        this.stageBudgetBytes = stageBudgetBytes;
    }

    @Override
    public String name() {
        return "gptq";
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        return quantizeBlockWithOutputs(block, inputs, tokens, progress).report();
    }

    @Override
    public BlockOutcome quantizeBlockWithOutputs(QuantizableBlock block, List<float[]> inputs, int tokens,
                                                 ProgressListener progress) {
        if (trueSequential && StagedForward.fits(block, inputs, tokens, stageBudgetBytes)) {
            return resumable(block, inputs, tokens, progress);
        }
        return new BlockOutcome(rerunning(block, inputs, tokens, progress), null);
    }

    /**
     * One stage per sequence, advanced once per group after the group was quantized: each part of the block
     * runs once per sequence, and the last advance gives the outputs.
     */
    private BlockOutcome resumable(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        long start = System.nanoTime();
        List<BlockReport.LayerReport> layers = new ArrayList<>();
        List<LinearGroup> groups = block.groups();
        int total = totalSteps(groups);
        int[] done = {0};
        StagedForward stages = StagedForward.begin(block, inputs, tokens);
        for (LinearGroup group : groups) {
            progress.onProgress(new Progress("gptq hessian " + group.role(), done[0], total));
            long t0 = System.nanoTime();
            HessianAccumulator h = new HessianAccumulator(block.linear(group.members().getFirst()).inFeatures());
            for (int s = 0; s < stages.size(); s++) {
                checkInterrupted(block);
                float[] x = stages.groupInput(s, group.role());
                Activations.requireFinite(x, tokens, h.in(), "block " + block.index() + " " + group.role() + " input");
                h.addSequence(x, tokens);
            }
            done[0]++;
            float[] H = h.hessian();
            long t1 = System.nanoTime();
            quantizeGroup(block, group, H, layers, progress, done, total);
            long t2 = System.nanoTime();
            stages.advance();
            LOG.debug("block {} {}: hessian {} ms, gptq {} ms, advance {} ms", block.index(), group.role(),
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        }
        List<float[]> outputs = stages.outputs();
        progress.onProgress(new Progress("gptq done", total, total));
        return new BlockOutcome(new BlockReport(block.index(), layers, (System.nanoTime() - start) / 1_000_000), outputs);
    }

    /** Each group's Hessian from a forward from the block input (streamed over the sequences). */
    private BlockReport rerunning(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        long start = System.nanoTime();
        List<BlockReport.LayerReport> layers = new ArrayList<>();
        List<LinearGroup> groups = block.groups();
        int total = totalSteps(groups);
        int[] done = {0};
        Map<GroupRole, HessianAccumulator> hessians = new EnumMap<>(GroupRole.class);
        for (LinearGroup group : groups) {
            if (!hessians.containsKey(group.role())) {
                progress.onProgress(new Progress("gptq hessian " + group.role(), done[0], total));
                List<LinearGroup> collect = trueSequential ? List.of(group) : groups;
                hessians.putAll(accumulate(block, collect, inputs, tokens));
            }
            done[0]++;
            quantizeGroup(block, group, hessians.remove(group.role()).hessian(), layers, progress, done, total);
        }
        progress.onProgress(new Progress("gptq done", total, total));
        return new BlockReport(block.index(), layers, (System.nanoTime() - start) / 1_000_000);
    }

    private static int totalSteps(List<LinearGroup> groups) {
        int total = 0;
        for (LinearGroup group : groups) {
            total += 1 + group.members().size();
        }
        return total;
    }

    /** GPTQ on every member of a group with the group's Hessian; the quantized layers replace the members. */
    private void quantizeGroup(QuantizableBlock block, LinearGroup group, float[] H, List<BlockReport.LayerReport> layers,
                               ProgressListener progress, int[] done, int total) {
        for (LinearRole role : group.members()) {
            progress.onProgress(new Progress("gptq " + block.name(role), done[0], total));
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
            done[0]++;
        }
    }

    private static void checkInterrupted(QuantizableBlock block) {
        if (Thread.currentThread().isInterrupted()) {
            throw new QuantizationException("interrupted while calibrating block " + block.index());
        }
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
        for (float[] x : inputs) {
            checkInterrupted(block);
            PartialForward.groupInputs(block, x, tokens, acc.keySet(), (role, input, count) -> {
                HessianAccumulator h = acc.get(role);
                Activations.requireFinite(input, count, h.in(), "block " + block.index() + " " + role + " input");
                h.addSequence(input, count);
            });
        }
        return acc;
    }
}
