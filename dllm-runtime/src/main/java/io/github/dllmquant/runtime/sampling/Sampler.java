package io.github.dllmquant.runtime.sampling;

/**
 * A masked-denoising sampler: fills a canvas of mask tokens after a prompt by repeated forward passes.
 *
 * <p>Implementations hold only their immutable settings, so one instance may run many generations
 * concurrently; every call has its own canvas and random source.
 */
@FunctionalInterface
public interface Sampler {

    /**
     * Generates after {@code promptIds}.
     *
     * @param model     the forward pass
     * @param promptIds the prompt; not modified
     * @param listener  receives every step ({@link StepListener#NONE} for none)
     * @param cancel    checked before each forward pass, together with thread interruption
     * @return the whole sequence and counters
     * @throws GenerationCancelledException if cancelled or interrupted
     */
    SamplerOutput sample(LogitsFunction model, int[] promptIds, StepListener listener, CancellationToken cancel);

    /** Generates without a listener and without a cancellation token (thread interruption still works). */
    default SamplerOutput sample(LogitsFunction model, int[] promptIds) {
        return sample(model, promptIds, StepListener.NONE, new CancellationToken());
    }
}
