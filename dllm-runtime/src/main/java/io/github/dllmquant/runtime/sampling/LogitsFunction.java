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

    /**
     * Runs a full forward on {@code ids} that also keeps an approximate KV cache (dllm-runtime.md §6).
     * The default has none.
     *
     * @throws UnsupportedOperationException if this function cannot cache
     */
    default CachedLogits startCache(int[] ids) {
        throw new UnsupportedOperationException("this model function has no KV cache: use a model's "
                + "DiffusionLm.asLogitsFunction() or cache mode none");
    }

    /** A function whose full forward is {@code full} and whose caches come from {@code cache}. */
    static LogitsFunction withCache(LogitsFunction full, java.util.function.Function<int[], ? extends CachedLogits> cache) {
        java.util.Objects.requireNonNull(full, "full");
        java.util.Objects.requireNonNull(cache, "cache");
        return new LogitsFunction() {
            @Override
            public float[] logits(int[] ids) {
                return full.logits(ids);
            }

            @Override
            public CachedLogits startCache(int[] ids) {
                return cache.apply(ids);
            }
        };
    }
}
