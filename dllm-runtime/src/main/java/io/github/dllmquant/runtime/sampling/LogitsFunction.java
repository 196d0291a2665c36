package io.github.dllmquant.runtime.sampling;

/**
 * One forward pass of a masked diffusion model, as the samplers see it.
 *
 * <p>Implementations must be safe to call from several threads at once (a loaded model serves
 * concurrent generations); the samplers never modify the returned array after reading it, and never
 * keep {@code ids} beyond the call.
 */
@FunctionalInterface
public interface LogitsFunction {

    /**
     * Runs the model on a whole sequence.
     *
     * @param ids token ids of the sequence, masked positions hold the mask token id; not modified
     * @return row-major {@code [ids.length, vocab]} logits: the model's raw output row of every
     *     position (for Dream before its one-position shift, which the Dream sampler applies)
     */
    float[] logits(int[] ids);
}
