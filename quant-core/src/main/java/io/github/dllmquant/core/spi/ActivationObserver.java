package io.github.dllmquant.core.spi;

/**
 * Sees the input of each linear group while a block runs forward (calibration hooks). The array is
 * only valid during the call: copy what must be kept.
 */
@FunctionalInterface
public interface ActivationObserver {

    /** An observer that ignores everything. */
    ActivationObserver NONE = (group, input, tokens) -> { };

    /**
     * @param group  the group whose shared input this is
     * @param input  {@code [tokens, in]} row-major, as the model feeds it to the group (before any
     *               online {@link io.github.dllmquant.core.linear.InputTransform} of the linears)
     * @param tokens number of rows
     */
    void onGroupInput(GroupRole group, float[] input, int tokens);
}
