package io.github.dllmquant.runtime.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Dream's sampler ({@code diffusion_generate} of the reference, spec §5).
 *
 * <pre>
 * x = prompt ++ [mask]·genLength;  t_i = 1 + i·(eps − 1)/steps
 * for i in 0..steps−1 (t = t_i, s = t_{i+1}):
 *   logits = shift(model(x))                  row of position j is the raw row j−1 (row 0 for j = 0)
 *   per masked row: /temperature, top-p, top-k, softmax → x0 (argmax or sampled) and its probability
 *   origin: each masked position takes x0 with probability 1 − s/t (1 on the last step)
 *   else:   n = floor(N·(1 − s/t)) (N on the last step) positions with the best confidence
 *           (maskgit_plus: p, topk_margin: p1 − p2, entropy: Σ p·log(p + 1e−10)),
 *           or n positions sampled from softmax(confidence / alg_temp) without replacement
 * </pre>
 * Steps of the confidence algorithms whose count {@code n} is 0 are skipped without a forward pass:
 * they would not change the sequence (the count depends only on {@code N} and the timesteps).
 *
 * <p>With blocks ({@link DreamSampling#blockLength()} below the generated length) the loop above runs per
 * block over the masked positions before the block's end, with the block's own schedule of
 * {@code steps / blocks} steps. With a {@link CacheMode}, each block's first executed step is a full pass
 * that refreshes the KV cache (as is every step the {@link CacheRefresh} policy asks for); later steps
 * recompute, against the cache, the row before the block (the
 * logit shift makes it the predictor of the block's first position), the block, and for a prefix cache
 * every later row. dllm-runtime.md §6 instead commits the block's first token from the refreshing full
 * pass (Fast-dLLM computes only the block's rows); recomputing that one extra row keeps the sampler's
 * choices unchanged, so that a cache refreshed at every step reproduces the sampler without cache.
 */
final class DreamSampler implements Sampler {

    /** Added inside the logarithm of the entropy confidence, as the reference. */
    private static final double ENTROPY_EPSILON = 1e-10;

    private final DreamSampling settings;
    private final int maskId;

    DreamSampler(DreamSampling settings, int maskId) {
        if (maskId < 0) {
            throw new IllegalArgumentException("mask token id must be >= 0, got " + maskId);
        }
        this.settings = settings;
        this.maskId = maskId;
    }

    @Override
    public SamplerOutput sample(LogitsFunction model, int[] promptIds, StepListener listener, CancellationToken cancel) {
        long seed = SamplingMath.seedOrFresh(settings.seed());
        RandomGenerator random = SamplingMath.random(seed);
        int[] x = Arrays.copyOf(promptIds, promptIds.length + settings.genLength());
        Arrays.fill(x, promptIds.length, x.length, maskId);
        boolean origin = settings.algorithm() == DreamAlgorithm.ORIGIN;
        int executed = 0;
        for (int block = 0; block < settings.blocks(); block++) {
            int start = promptIds.length + block * settings.blockLength();
            int end = start + settings.blockLength();
            CachedLogits cache = null; // refreshed by the block's first executed step
            int stepsSinceRefresh = 0;
            int committedSinceRefresh = 0;
            for (int i = 0; i < settings.stepsPerBlock(); i++) {
                // the policy may renew the cache inside the block: rows [0, to) recomputed, their K/V fresh
                boolean refresh = cache != null && settings.cacheRefresh().due(stepsSinceRefresh,
                        committedSinceRefresh, settings.blockLength());
                // the rows a cached step recomputes: the one before the block (its shifted row predicts the
                // block's first position), the block, and for a prefix cache everything after it
                // (from the first masked position before the block instead, if the prompt holds masks)
                int first = cache == null || refresh ? 0 : firstCandidate(x, start);
                int from = Math.max(first - 1, 0);
                int to = cache == null || settings.cacheMode() == CacheMode.PREFIX ? x.length : end;
                // candidates: masked positions before the block's end (prompt masks too, as without a cache)
                int[] masked = maskedPositions(x, first, end);
                int transfer = origin ? masked.length : settings.transferCount(i, masked.length);
                if (masked.length == 0 || transfer == 0) {
                    continue;
                }
                cancel.throwIfCancelled(executed);
                // with a cache only the rows that predict a masked position are computed (Dream's shift)
                int[] predicting = predictingRows(masked);
                float[] logits;
                if (settings.cacheMode() == CacheMode.NONE) {
                    logits = model.logits(x.clone());
                } else if (cache == null || refresh) {
                    // a dual cache keeps the masked suffix as the block's first pass saw it; the pass that
                    // (re)built the cache has rows [0, to) (the whole sequence at the block's first step)
                    cache = cache == null || to == x.length ? model.startCache(x.clone())
                            : cache.refreshRows(x.clone(), to);
                    logits = cache.logitsOfRows(to, predicting);
                    stepsSinceRefresh = 0;
                    committedSinceRefresh = 0;
                } else {
                    logits = cache.logits(x.clone(), from, to, predicting);
                }
                int rows = settings.cacheMode() == CacheMode.NONE ? x.length : predicting.length;
                int vocab = logits.length / rows;
                if (vocab * rows != logits.length || vocab < 1) {
                    throw new IllegalStateException("model returned " + logits.length + " logits for " + rows
                            + " positions: not a multiple");
                }
                Rows shifted = settings.cacheMode() == CacheMode.NONE ? Rows.all(logits, vocab)
                        : new Rows(logits, predicting, vocab);
                int[] chosen = origin
                        ? originStep(i, masked, shifted, random, x)
                        : confidenceStep(transfer, masked, shifted, random, x);
                int[] tokens = new int[chosen.length];
                for (int c = 0; c < chosen.length; c++) {
                    tokens[c] = x[chosen[c]];
                }
                stepsSinceRefresh++;
                committedSinceRefresh += chosen.length;
                listener.onStep(new StepEvent(executed, block, chosen, tokens));
                executed++;
            }
        }
        return new SamplerOutput(x, promptIds.length, executed, executed, seed);
    }

    /** The first masked position before {@code start}, else {@code start}. */
    private int firstCandidate(int[] x, int start) {
        for (int i = 0; i < start; i++) {
            if (x[i] == maskId) {
                return i;
            }
        }
        return start;
    }

    /** Masked positions in {@code [from, end)}, ascending (earlier prompt masks too when {@code from} is 0). */
    private int[] maskedPositions(int[] x, int from, int end) {
        int n = 0;
        int[] found = new int[end - from];
        for (int i = from; i < end; i++) {
            if (x[i] == maskId) {
                found[n++] = i;
            }
        }
        return Arrays.copyOf(found, n);
    }

    /**
     * The raw rows predicting the ascending {@code masked} positions under Dream's shift (position {@code j}
     * is predicted by row {@code j − 1}, position 0 by row 0): ascending, each once.
     */
    private static int[] predictingRows(int[] masked) {
        int[] rows = new int[masked.length];
        int n = 0;
        for (int j : masked) {
            int row = Math.max(j - 1, 0);
            if (n == 0 || rows[n - 1] != row) {
                rows[n++] = row;
            }
        }
        return Arrays.copyOf(rows, n);
    }

    /**
     * Raw logit rows {@code rowIds} (ascending; null = every row of the sequence) and Dream's shift: the row
     * that predicts position {@code j} is the raw row of {@code j − 1} (row 0 for {@code j = 0}).
     */
    private record Rows(float[] logits, int[] rowIds, int vocab) {
        static Rows all(float[] logits, int vocab) {
            return new Rows(logits, null, vocab);
        }

        int offsetPredicting(int j) {
            int row = Math.max(j - 1, 0);
            int index = rowIds == null ? row : Arrays.binarySearch(rowIds, row);
            if (index < 0) {
                throw new IllegalStateException("row " + row + " predicting position " + j + " was not computed");
            }
            return index * vocab;
        }
    }

    /** {@code origin}: each masked position is decoded with probability {@code 1 − s/t}; writes into x. */
    private int[] originStep(int i, int[] masked, Rows rows, RandomGenerator random, int[] x) {
        double pTransfer = i < settings.stepsPerBlock() - 1 ? 1 - settings.timestep(i + 1) / settings.timestep(i) : 1;
        int n = 0;
        int[] chosen = new int[masked.length];
        for (int j : masked) {
            if (random.nextDouble() < pTransfer) {
                chosen[n++] = j;
            }
        }
        chosen = Arrays.copyOf(chosen, n);
        for (int j : chosen) {
            x[j] = new TokenChoice(rows.logits(), rows.offsetPredicting(j), rows.vocab(), random).token;
        }
        return chosen;
    }

    /** maskgit_plus / topk_margin / entropy: decode the {@code transfer} best positions; writes into x. */
    private int[] confidenceStep(int transfer, int[] masked, Rows rows, RandomGenerator random, int[] x) {
        int[] x0 = new int[masked.length];
        double[] confidence = new double[masked.length];
        for (int m = 0; m < masked.length; m++) {
            TokenChoice choice = new TokenChoice(rows.logits(), rows.offsetPredicting(masked[m]), rows.vocab(), random);
            x0[m] = choice.token;
            confidence[m] = switch (settings.algorithm()) {
                case MASKGIT_PLUS -> choice.probability;
                case TOPK_MARGIN -> choice.margin();
                case ENTROPY -> choice.negativeEntropy();
                case ORIGIN -> throw new AssertionError("origin has no confidence");
            };
        }
        // positions outside the mask have confidence −inf, so only masked ones compete; masked[] is
        // ascending, so ties between masked positions resolve to the lowest position as the spec says
        int[] picked = settings.algTemp() == 0
                ? SamplingMath.topK(confidence, transfer)
                : sampleWithoutReplacement(confidence, transfer, random);
        Arrays.sort(picked);
        int[] chosen = new int[picked.length];
        for (int c = 0; c < picked.length; c++) {
            chosen[c] = masked[picked[c]];
            x[chosen[c]] = x0[picked[c]];
        }
        return chosen;
    }

    /** {@code n} indices drawn without replacement from {@code softmax(confidence / algTemp)}. */
    private int[] sampleWithoutReplacement(double[] confidence, int n, RandomGenerator random) {
        double max = Double.NEGATIVE_INFINITY;
        for (double c : confidence) {
            max = Math.max(max, c / settings.algTemp());
        }
        double[] weight = new double[confidence.length];
        for (int k = 0; k < weight.length; k++) {
            weight[k] = Math.exp(confidence[k] / settings.algTemp() - max);
        }
        int[] picked = new int[n];
        for (int d = 0; d < n; d++) {
            double total = 0;
            int last = -1;
            for (int k = 0; k < weight.length; k++) {
                total += weight[k];
                if (weight[k] > 0) {
                    last = k;
                }
            }
            double u = random.nextDouble() * total;
            int k = 0;
            double cumulative = 0;
            for (; k < weight.length; k++) {
                cumulative += weight[k];
                if (weight[k] > 0 && u < cumulative) {
                    break;
                }
            }
            if (k == weight.length) {
                k = last; // rounding at the top end of the cumulative sum
            }
            picked[d] = k;
            weight[k] = 0;
        }
        return picked;
    }

    /**
     * Dream's {@code sample_tokens} for one row: temperature, top-p, top-k, softmax (in double), then
     * the argmax (temperature 0) or a draw from the distribution, and the chosen token's probability.
     */
    private final class TokenChoice {
        final double[] probs;
        final int token;
        final double probability;

        TokenChoice(float[] logits, int off, int vocab, RandomGenerator random) {
            double temperature = settings.temperature();
            double[] scaled = new double[vocab];
            for (int v = 0; v < vocab; v++) {
                scaled[v] = temperature > 0 ? logits[off + v] / temperature : logits[off + v];
            }
            boolean[] removed = new boolean[vocab];
            if (settings.topP() < 1) {
                removeOutsideNucleus(scaled, removed);
            }
            if (settings.topK().isPresent()) {
                removeBelowTopK(scaled, removed, settings.topK().getAsInt());
            }
            probs = softmax(scaled, removed);
            if (temperature > 0) {
                token = draw(probs, random);
            } else {
                int best = 0;
                for (int v = 1; v < vocab; v++) {
                    if (probs[v] > probs[best]) {
                        best = v;
                    }
                }
                token = best;
            }
            probability = probs[token];
        }

        double margin() {
            double first = 0;
            double second = 0;
            for (double p : probs) {
                if (p > first) {
                    second = first;
                    first = p;
                } else if (p > second) {
                    second = p;
                }
            }
            return first - second;
        }

        double negativeEntropy() {
            double sum = 0;
            for (double p : probs) {
                sum += p * Math.log(p + ENTROPY_EPSILON);
            }
            return sum;
        }
    }

    /**
     * Top-p: sort descending, drop every token whose cumulative probability before it already exceeds
     * {@code topP} (the first is always kept). At the boundary value, lower token ids are kept first.
     */
    private void removeOutsideNucleus(double[] scaled, boolean[] removed) {
        double[] probs = softmax(scaled, removed);
        double[] sorted = SamplingMath.descending(probs);
        double cumulative = 0;
        int keep = 1;
        for (int r = 0; r < sorted.length - 1; r++) {
            cumulative += sorted[r];
            if (cumulative > settings.topP()) {
                break;
            }
            keep = r + 2; // rank r+1 stays because the mass before it is <= topP
        }
        double boundary = sorted[keep - 1];
        int strictlyAbove = 0;
        for (double p : probs) {
            if (p > boundary) {
                strictlyAbove++;
            }
        }
        int tiesToKeep = keep - strictlyAbove;
        for (int v = 0; v < probs.length; v++) {
            if (probs[v] < boundary) {
                removed[v] = true;
            } else if (probs[v] == boundary) {
                if (tiesToKeep > 0) {
                    tiesToKeep--;
                } else {
                    removed[v] = true;
                }
            }
        }
    }

    /** Top-k: drop every token whose logit is below the k-th largest (ties with it stay). */
    private static void removeBelowTopK(double[] scaled, boolean[] removed, int k) {
        double[] kept = new double[scaled.length];
        int n = 0;
        for (int v = 0; v < scaled.length; v++) {
            kept[n++] = removed[v] ? -Double.MAX_VALUE : scaled[v];
        }
        double[] sorted = SamplingMath.descending(Arrays.copyOf(kept, n));
        double kth = sorted[Math.min(k, sorted.length) - 1];
        for (int v = 0; v < scaled.length; v++) {
            if (scaled[v] < kth) {
                removed[v] = true;
            }
        }
    }

    /** Softmax over the tokens not removed (removed ones get probability 0), in double. */
    private static double[] softmax(double[] scaled, boolean[] removed) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < scaled.length; v++) {
            if (!removed[v]) {
                max = Math.max(max, scaled[v]);
            }
        }
        double[] probs = new double[scaled.length];
        double sum = 0;
        for (int v = 0; v < scaled.length; v++) {
            if (!removed[v]) {
                probs[v] = Math.exp(scaled[v] - max);
                sum += probs[v];
            }
        }
        for (int v = 0; v < probs.length; v++) {
            probs[v] /= sum;
        }
        return probs;
    }

    /** A draw from a categorical distribution. */
    private static int draw(double[] probs, RandomGenerator random) {
        double u = random.nextDouble();
        double cumulative = 0;
        int last = 0;
        for (int v = 0; v < probs.length; v++) {
            if (probs[v] > 0) {
                cumulative += probs[v];
                last = v;
                if (u < cumulative) {
                    return v;
                }
            }
        }
        return last; // u beyond the rounded total
    }
}
