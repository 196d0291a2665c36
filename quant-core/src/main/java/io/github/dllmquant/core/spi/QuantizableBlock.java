package io.github.dllmquant.core.spi;

import io.github.dllmquant.core.linear.Linear;

import java.util.List;

/**
 * One transformer block as quantization methods see it: its linears by role, its norms, and a way
 * to run it on captured inputs. Implemented by dllm-runtime for each architecture; methods never
 * see a concrete model class.
 *
 * <p>Inputs and outputs are single sequences {@code [tokens, hidden]} (attention runs within the
 * sequence, bidirectionally). Not thread-safe while being modified.
 */
public interface QuantizableBlock {

    /** Position of the block in the model, from 0. */
    int index();

    /** The linear groups in sequential quantization order, with their absorbers. */
    List<LinearGroup> groups();

    /** The current layer for a role. */
    Linear linear(LinearRole role);

    /** Replaces the layer for a role (same in/out features). */
    void setLinear(LinearRole role, Linear linear);

    /** The checkpoint name of a role's weight without suffix, e.g. {@code model.transformer.blocks.3.q_proj}. */
    String name(LinearRole role);

    /** A copy of a norm's gain {@code [hidden]}. */
    float[] normWeight(NormRole role);

    /** Replaces a norm's gain {@code [hidden]}. */
    void setNormWeight(NormRole role, float[] weight);

    /**
     * Runs the block on one sequence with the current layers.
     *
     * @param x        {@code [tokens, hidden]}, not modified
     * @param tokens   sequence length
     * @param observer sees each group's input
     * @return a new {@code [tokens, hidden]} array: the block's output (residual included)
     */
    float[] forward(float[] x, int tokens, ActivationObserver observer);

    /**
     * Runs the sub-layer that a group's output feeds, from that group's input, with the current layers:
     * QKV → the attention output after the output projection; O → the output projection;
     * GATE_UP → the MLP output after the down projection; DOWN → the down projection.
     * This is what AWQ inspects when it scores a scale.
     *
     * @param role       the group
     * @param groupInput {@code [tokens, in]} as observed for the group
     * @param tokens     sequence length
     * @return a new {@code [tokens, hidden]} array
     */
    float[] subLayerForward(GroupRole role, float[] groupInput, int tokens);

    /**
     * Starts a resumable forward of one sequence: the stage before the first group (its normed input).
     * Advancing it through every group with unchanged layers gives what {@link #forward} gives, and each
     * stage's group input is what {@link #forward}'s observer sees for that group.
     *
     * @param x      {@code [tokens, hidden]} block input, kept by reference and not modified
     * @param tokens sequence length
     * @return the stage whose {@link BlockStage#next()} is the first group
     */
    BlockStage beginStage(float[] x, int tokens);

    /**
     * Runs the stage's next group with the current layers and everything after it up to the following
     * group's input (or the block output). Only this part of the block runs, so a group quantized after
     * the stage was reached is applied here.
     *
     * @param stage a stage of this block, not done; not modified
     * @return the following stage
     */
    BlockStage advance(BlockStage stage);
}
