package io.github.dllmquant.methods;

import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.QuantizableBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The resumable block forward of a true-sequential calibration (GPTQ, QuaRot's GPTQ): one {@link BlockStage} per
 * calibration sequence ({@link QuantizableBlock#beginStage}), each advanced by one linear group
 * ({@link QuantizableBlock#advance}) after the method quantized that group. Every part of the block then runs once
 * per sequence instead of once per group, and the last advance yields the block's outputs with the final layers,
 * which the calibrator takes instead of running the block again. A stage walk has the bits of
 * {@link QuantizableBlock#forward} (the SPI's contract), so a method gives the same result either way.
 *
 * <p>The kept stages cost up to {@code sequences · tokens · (hidden + widest group input) · 4} bytes (the
 * gate/up → down stage holds the residual and {@code silu(gate)·up}: 2.1 GB for an 8B-shaped block at 32k tokens);
 * {@link #fits} compares that with a budget, and a method streams (re-runs the block from its input per group) when
 * it does not fit. Not thread-safe: one calibration at a time.
 */
public final class StagedForward {

    private static final Logger LOG = LoggerFactory.getLogger(StagedForward.class);
    /** A budget of a quarter of the maximum heap ({@link #fits}). */
    public static final long AUTO_BUDGET = -1;

    private final QuantizableBlock block;
    private final List<BlockStage> stages;

    private StagedForward(QuantizableBlock block, List<BlockStage> stages) {
        this.block = block;
        this.stages = stages;
    }

    /**
     * Whether the stages of {@code inputs} fit {@code budgetBytes} ({@link #AUTO_BUDGET}: a quarter of the maximum
     * heap; 0: never); logs at INFO when they do not.
     */
    public static boolean fits(QuantizableBlock block, List<float[]> inputs, int tokens, long budgetBytes) {
        long budget = budgetBytes == AUTO_BUDGET ? Runtime.getRuntime().maxMemory() / 4 : budgetBytes;
        long hidden = inputs.getFirst().length / tokens;
        long widest = 0;
        for (LinearGroup group : block.groups()) {
            widest = Math.max(widest, block.linear(group.members().getFirst()).inFeatures());
        }
        long bytes = 4L * inputs.size() * tokens * (hidden + widest);
        if (bytes > budget) {
            LOG.info("block {}: resumable stages would hold {} MB (budget {} MB): re-running the block per group",
                    block.index(), bytes >> 20, budget >> 20);
            return false;
        }
        return true;
    }

    /** The stages of every input, each at the block's first group. */
    public static StagedForward begin(QuantizableBlock block, List<float[]> inputs, int tokens) {
        List<BlockStage> stages = new ArrayList<>(inputs.size());
        for (float[] x : inputs) {
            stages.add(block.beginStage(x, tokens));
        }
        return new StagedForward(block, stages);
    }

    /** The number of sequences. */
    public int size() {
        return stages.size();
    }

    /**
     * The input of {@code group} for sequence {@code s} ({@code [tokens, in]}, owned by the stage: callers that
     * change it must copy it first).
     *
     * @throws IllegalStateException if the stage is not at {@code group}
     */
    public float[] groupInput(int s, GroupRole group) {
        BlockStage stage = live(s);
        if (stage.next() != group) {
            throw new IllegalStateException("block " + block.index() + ": the resumable forward reached "
                    + stage.next() + " where group " + group + " runs next");
        }
        return stage.groupInput();
    }

    /**
     * Runs sequence {@code s} through its current group like {@link #advance} and lets go of it: the following stage
     * is returned and no longer kept. A caller that advances no further and copies the next group's inputs into
     * one array so holds that array beside the not yet released stages, not beside a second set of group inputs.
     *
     * @throws IllegalStateException if the stage was released
     * @throws QuantizationException if the thread is interrupted
     */
    public BlockStage advanceAndRelease(int s) {
        requireNotInterrupted();
        BlockStage next = block.advance(live(s));
        stages.set(s, null);
        return next;
    }

    /**
     * Runs every sequence through its current group with the block's present layers (call it after the group was
     * quantized); the old stages' arrays become garbage.
     *
     * @throws QuantizationException if the thread is interrupted
     */
    public void advance() {
        for (int s = 0; s < stages.size(); s++) {
            requireNotInterrupted();
            stages.set(s, block.advance(live(s)));
        }
    }

    /**
     * The block outputs, one per sequence, once every group was advanced.
     *
     * @throws IllegalStateException if a stage has not passed the last group
     */
    public List<float[]> outputs() {
        List<float[]> outputs = new ArrayList<>(stages.size());
        for (int s = 0; s < stages.size(); s++) {
            BlockStage stage = live(s);
            if (!stage.done()) {
                throw new IllegalStateException("block " + block.index() + ": the resumable forward stopped before "
                        + stage.next() + ", which is in no group");
            }
            outputs.add(stage.residual());
        }
        return outputs;
    }

    private BlockStage live(int s) {
        BlockStage stage = stages.get(s);
        if (stage == null) {
            throw new IllegalStateException("block " + block.index() + ": the stage of sequence " + s + " was released");
        }
        return stage;
    }

    private void requireNotInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new QuantizationException("interrupted while calibrating block " + block.index());
        }
    }
}
