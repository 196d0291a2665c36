package io.github.dllmquant.runtime.sampling;

/**
 * Receives every denoising step of a generation, for streaming user interfaces.
 *
 * <p>Called on the generating thread after the step's tokens are written; it must be cheap and must
 * not throw. A listener that wants to show the whole canvas keeps its own copy of the sequence and
 * applies each event to it.
 */
@FunctionalInterface
public interface StepListener {

    /** A listener that ignores every step. */
    StepListener NONE = event -> { };

    /** Called once per denoising step that ran a forward pass. */
    void onStep(StepEvent event);
}
