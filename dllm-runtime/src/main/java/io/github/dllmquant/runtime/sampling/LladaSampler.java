package io.github.dllmquant.runtime.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * LLaDA's sampler ({@code generate()} of the reference, spec §4), with an {@link UnmaskPolicy} seam for
 * confidence-threshold parallel decoding (spec §6).
 *
 * <pre>
 * x = prompt ++ [mask]·genLength
 * for each block (positions s..e):
 *   k_t = the block's mask count split over its steps: base = n div steps, first (n mod steps) get +1
 *   for each step:
 *     logits = model(x)        (cfg: un = model(x, prompt masked); logits = un + (cfg+1)(logits − un))
 *     x0 = argmax(gumbel(logits, τ))      conf = softmax(logits)[x0]  or  u ~ U(0,1) (random)
 *     candidates: masked positions before e
 *     unmask the policy's count of candidates with the highest conf (ties: lowest position)
 * </pre>
 * Steps whose fixed schedule unmasks nothing are skipped without a forward pass: they would not change
 * the sequence. With a {@link CacheMode} other than NONE, each block's first step runs a full forward that
 * also refreshes the model's KV cache; its later steps compute only the block (dual) or the block and
 * everything after it (prefix) against that cache, starting earlier when the prompt holds masked positions
 * (which stay candidates, as in the reference), unless the {@link CacheRefresh} policy makes a step a full
 * forward again (which rebuilds the cache). With classifier-free guidance the conditional and the
 * unconditional sequence keep one cache each, rebuilt together.
 */
final class LladaSampler implements Sampler {

    private final LladaSampling settings;
    private final int maskId;

    LladaSampler(LladaSampling settings, int maskId) {
        if (maskId < 0) {
            throw new IllegalArgumentException("mask token id must be >= 0, got " + maskId);
        }
        this.settings = settings;
        this.maskId = maskId;
    }

    /**
     * Tokens to unmask at each of {@code steps} steps when {@code masked} positions are masked:
     * {@code masked div steps} each, the first {@code masked mod steps} steps one more.
     */
    static int[] transferCounts(int masked, int steps) {
        int[] counts = new int[steps];
        Arrays.fill(counts, masked / steps);
        for (int i = 0; i < masked % steps; i++) {
            counts[i]++;
        }
        return counts;
    }

    @Override
    public SamplerOutput sample(LogitsFunction model, int[] promptIds, StepListener listener, CancellationToken cancel) {
        long seed = SamplingMath.seedOrFresh(settings.seed());
        Run run = new Run(model, promptIds, listener, cancel, SamplingMath.random(seed));
        run.generate();
        return new SamplerOutput(run.x, promptIds.length, run.step, run.forwardPasses, seed);
    }

    /** The state of one generation. */
    private final class Run {
        final LogitsFunction model;
        final StepListener listener;
        final CancellationToken cancel;
        final RandomGenerator random;
        final int promptLength;
        final int[] x;
        /** Positions masked out for the unconditional pass of classifier-free guidance. */
        final boolean[] promptIndex;
        int step;
        int forwardPasses;
        /** The current block's approximate KV cache; null until the block's first step (cache modes only). */
        CachedLogits cache;
        /** The cache of the unconditional (prompt-masked) sequence of classifier-free guidance. */
        CachedLogits unconditionalCache;
        /** Executed steps of the current block since its cache was last (re)built, that step included. */
        int stepsSinceRefresh;
        /** Positions committed since the cache was last (re)built, by that step included. */
        int committedSinceRefresh;

        Run(LogitsFunction model, int[] promptIds, StepListener listener, CancellationToken cancel,
            RandomGenerator random) {
            this.model = model;
            this.listener = listener;
            this.cancel = cancel;
            this.random = random;
            this.promptLength = promptIds.length;
            this.x = Arrays.copyOf(promptIds, promptIds.length + settings.genLength());
            Arrays.fill(x, promptLength, x.length, maskId);
            this.promptIndex = new boolean[x.length];
            for (int i = 0; i < promptLength; i++) {
                promptIndex[i] = x[i] != maskId; // as the reference: x != mask_id before generation
            }
        }

        void generate() {
            int blockLength = settings.blockLength();
            int stepsPerBlock = settings.stepsPerBlock();
            UnmaskPolicy policy = settings.unmaskPolicy();
            for (int block = 0; block < settings.blocks(); block++) {
                int start = promptLength + block * blockLength;
                int end = start + blockLength;
                cache = null; // refreshed by the full pass that performs the block's first step
                unconditionalCache = null;
                if (policy.followsSchedule()) {
                    int[] counts = transferCounts(maskedIn(start, end), stepsPerBlock);
                    for (int count : counts) {
                        if (count > 0) {
                            denoise(block, start, end, count, policy);
                        }
                    }
                } else {
                    // parallel decoding: every step unmasks at least one position, so this ends
                    while (maskedIn(start, end) > 0) {
                        denoise(block, start, end, 1, policy);
                    }
                }
            }
        }

        private int maskedIn(int start, int end) {
            int n = 0;
            for (int i = start; i < end; i++) {
                if (x[i] == maskId) {
                    n++;
                }
            }
            return n;
        }

        /** One step: forward, choose tokens and confidences at the candidates, unmask the best ones. */
        private void denoise(int block, int start, int end, int scheduled, UnmaskPolicy policy) {
            cancel.throwIfCancelled(step);
            // the masked positions before the block end (a cached pass starts at the first of them)
            int[] candidates = candidates(0, end);
            float[] logits = forward(start, end, candidates);
            // without a cache the rows of the whole sequence, with one the candidates' rows only
            int rows = settings.cacheMode() == CacheMode.NONE ? x.length : candidates.length;
            int vocab = logits.length / rows;
            if (vocab * rows != logits.length || vocab < 1) {
                throw new IllegalStateException("model returned " + logits.length + " logits for " + rows
                        + " positions: not a multiple");
            }
            int[] x0 = new int[candidates.length];
            double[] confidence = new double[candidates.length];
            for (int c = 0; c < candidates.length; c++) {
                int off = (settings.cacheMode() == CacheMode.NONE ? candidates[c] : c) * vocab;
                x0[c] = settings.temperature() == 0
                        ? SamplingMath.argmax(logits, off, vocab)
                        : SamplingMath.gumbelArgmax(logits, off, vocab, settings.temperature(), random);
                confidence[c] = switch (settings.remasking()) {
                    case LOW_CONFIDENCE -> SamplingMath.softmaxAt(logits, off, vocab, x0[c]);
                    case RANDOM -> random.nextDouble();
                };
            }
            int count = policy.count(SamplingMath.descending(confidence), scheduled);
            int[] chosen = SamplingMath.topK(confidence, count);
            Arrays.sort(chosen); // candidate order is position order: report positions ascending
            int[] positions = new int[chosen.length];
            int[] tokens = new int[chosen.length];
            for (int i = 0; i < chosen.length; i++) {
                positions[i] = candidates[chosen[i]];
                tokens[i] = x0[chosen[i]];
                x[positions[i]] = tokens[i];
            }
            stepsSinceRefresh++;
            committedSinceRefresh += positions.length;
            listener.onStep(new StepEvent(step, block, positions, tokens));
            step++;
        }

        /** Masked positions before the end of the current block, ascending (earlier prompt masks too). */
        private int[] candidates(int from, int end) {
            int n = 0;
            int[] found = new int[end];
            for (int i = from; i < end; i++) {
                if (x[i] == maskId) {
                    found[n++] = i;
                }
            }
            return Arrays.copyOf(found, n);
        }

        /**
         * The step's logits, with classifier-free guidance when configured: without a cache mode the rows of the
         * whole sequence; with one only the rows of {@code candidates} (the masked positions before the block
         * end, the only rows the step reads), in that order. With a cache mode, the block's first step (and every
         * step the refresh policy asks for) runs full passes that (re)start the caches, the other steps only the
         * cached rows; the conditional and the unconditional (prompt-masked) sequences each keep their own cache.
         */
        private float[] forward(int start, int end, int[] candidates) {
            boolean cached = settings.cacheMode() != CacheMode.NONE;
            int to = settings.cacheMode() == CacheMode.DUAL ? end : x.length;
            boolean blockStart = cached && cache == null;
            // inside a block the policy may ask for a refresh: rows [0, to) recomputed and their K/V renewed
            // (a dual cache keeps the masked suffix as the block's first pass saw it; a prefix cache has none)
            boolean refresh = blockStart || (cached
                    && settings.cacheRefresh().due(stepsSinceRefresh, committedSinceRefresh, settings.blockLength()));
            // rows of the pass that (re)built the cache
            int builtRows = blockStart ? x.length : to;
            if (refresh) {
                stepsSinceRefresh = 0;
                committedSinceRefresh = 0;
            }
            // a cached pass recomputes the block, or from the first masked position before it (masks inside the
            // prompt stay candidates): from the first candidate, which is never after the block start
            int from = Math.min(start, candidates.length == 0 ? start : candidates[0]);
            float[] logits;
            if (!cached) {
                logits = model.logits(x.clone());
            } else if (refresh) {
                cache = renew(cache, x.clone(), to);
                logits = cache.logitsOfRows(builtRows, candidates);
            } else {
                logits = cache.logits(x.clone(), from, to, candidates);
            }
            forwardPasses++;
            if (settings.cfgScale() == 0) {
                return logits;
            }
            int[] unconditional = x.clone();
            for (int i = 0; i < unconditional.length; i++) {
                if (promptIndex[i]) {
                    unconditional[i] = maskId;
                }
            }
            float[] un;
            if (!cached) {
                un = model.logits(unconditional);
            } else if (refresh) {
                unconditionalCache = renew(unconditionalCache, unconditional, to);
                un = unconditionalCache.logitsOfRows(builtRows, candidates);
            } else {
                un = unconditionalCache.logits(unconditional, from, to, candidates);
            }
            forwardPasses++;
            if (un.length != logits.length) {
                throw new IllegalStateException("unconditional pass returned " + un.length + " logits, conditional "
                        + logits.length);
            }
            float scale = (float) (settings.cfgScale() + 1);
            float[] guided = new float[logits.length];
            for (int i = 0; i < guided.length; i++) {
                guided[i] = un[i] + scale * (logits[i] - un[i]);
            }
            return guided;
        }

        /**
         * A cache of {@code ids} whose rows {@code [0, to)} are fresh: a full pass when the block starts
         * ({@code old} null) or {@code to} is the whole sequence, else a partial refresh of {@code old}.
         */
        private CachedLogits renew(CachedLogits old, int[] ids, int to) {
            return old == null || to == ids.length ? model.startCache(ids) : old.refreshRows(ids, to);
        }
    }
}
