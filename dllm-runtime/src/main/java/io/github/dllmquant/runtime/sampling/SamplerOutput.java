package io.github.dllmquant.runtime.sampling;

/**
 * The result of one sampler run.
 *
 * @param ids           the whole final sequence: prompt followed by the generated positions
 * @param promptLength  number of prompt positions at the start of {@code ids}
 * @param steps         denoising steps that ran a forward pass
 * @param forwardPasses model forward passes (two per step with classifier-free guidance)
 * @param seed          the seed of the random source, so the run can be repeated
 */
public record SamplerOutput(int[] ids, int promptLength, int steps, int forwardPasses, long seed) {

    public SamplerOutput {
        if (promptLength < 0 || promptLength > ids.length) {
            throw new IllegalArgumentException("promptLength " + promptLength + " outside 0.." + ids.length);
        }
        ids = ids.clone();
    }

    /** The whole sequence (a copy). */
    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** The generated positions only (a copy). */
    public int[] generatedIds() {
        return java.util.Arrays.copyOfRange(ids, promptLength, ids.length);
    }
}
