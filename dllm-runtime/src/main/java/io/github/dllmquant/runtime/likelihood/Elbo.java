package io.github.dllmquant.runtime.likelihood;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.runtime.model.DiffusionLm;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

/**
 * LLaDA's Monte Carlo estimate of {@code log p(answer | prompt)} (the ELBO of the masked diffusion
 * objective, dllm-runtime.md §7) and multiple-choice scoring built on it.
 *
 * <p>Each of {@code mcNum} draws picks {@code l} uniformly in {@code 1..|answer|}, masks {@code l}
 * answer positions chosen uniformly without replacement (the prompt stays visible), and weighs the
 * masked NLL sum by {@code |answer|/l}; the estimate is minus the mean. Thread-safe.
 */
public final class Elbo {

    private final MaskedNll nll;

    /** Estimates with {@code model}. */
    public Elbo(DiffusionLm model) {
        this.nll = new MaskedNll(model);
    }

    /**
     * The Monte Carlo estimate of {@code log p(answer | prompt)} in nats (≤ 0 in expectation).
     *
     * @param prompt   conditioning tokens, never masked (may be empty)
     * @param answer   scored tokens, at least one
     * @param mcNum    number of draws, at least 1 (LLaDA uses 128)
     * @param seed     seeds the draws: the same seed gives the same estimate
     * @param progress one update per draw; an interrupted thread stops with a {@link CancellationException}
     */
    public double logLikelihood(int[] prompt, int[] answer, int mcNum, long seed, ProgressListener progress) {
        if (answer.length == 0) {
            throw new IllegalArgumentException("answer must not be empty");
        }
        if (mcNum < 1) {
            throw new IllegalArgumentException("mcNum must be at least 1, got " + mcNum);
        }
        int[] seq = new int[prompt.length + answer.length];
        System.arraycopy(prompt, 0, seq, 0, prompt.length);
        System.arraycopy(answer, 0, seq, prompt.length, answer.length);
        SplittableRandom random = new SplittableRandom(seed);
        int n = answer.length;
        double total = 0;
        for (int draw = 0; draw < mcNum; draw++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("ELBO interrupted after " + draw + " of " + mcNum + " draws");
            }
            int l = 1 + random.nextInt(n);
            boolean[] masked = new boolean[seq.length];
            for (int p : sample(n, l, random)) {
                masked[prompt.length + p] = true;
            }
            total += nll.score(seq, masked).nllSum() * n / l;
            progress.onProgress(new Progress("ELBO", draw + 1, mcNum));
        }
        return -total / mcNum;
    }

    /**
     * Scores each candidate continuation of {@code prompt} by its {@link #logLikelihood} (the same seed
     * for every candidate) and picks the highest.
     */
    public Choice choose(int[] prompt, List<int[]> candidates, int mcNum, long seed, ProgressListener progress) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no candidates");
        }
        double[] scores = new double[candidates.size()];
        for (int c = 0; c < scores.length; c++) {
            scores[c] = logLikelihood(prompt, candidates.get(c), mcNum, seed, ProgressListener.NONE);
            progress.onProgress(new Progress("multiple choice", c + 1, scores.length));
        }
        return Choice.of(scores);
    }

    /**
     * Deterministic scoring: masks each candidate's whole answer at once and picks the lowest masked NLL
     * (one forward pass per candidate). Scores are minus the NLL sums.
     */
    public Choice chooseByFullMask(int[] prompt, List<int[]> candidates) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no candidates");
        }
        double[] scores = new double[candidates.size()];
        for (int c = 0; c < scores.length; c++) {
            int[] answer = candidates.get(c);
            if (answer.length == 0) {
                throw new IllegalArgumentException("candidate " + c + " is empty");
            }
            int[] seq = new int[prompt.length + answer.length];
            System.arraycopy(prompt, 0, seq, 0, prompt.length);
            System.arraycopy(answer, 0, seq, prompt.length, answer.length);
            boolean[] masked = new boolean[seq.length];
            java.util.Arrays.fill(masked, prompt.length, seq.length, true);
            scores[c] = -nll.score(seq, masked).nllSum();
        }
        return Choice.of(scores);
    }

    /** {@code l} distinct indices of {@code [0, n)} uniformly (partial Fisher–Yates). */
    static int[] sample(int n, int l, SplittableRandom random) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < l; i++) {
            int j = i + random.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return java.util.Arrays.copyOf(perm, l);
    }

    /**
     * The outcome of multiple-choice scoring.
     *
     * @param best   index of the highest score (the first on ties)
     * @param scores one score per candidate (higher is more likely)
     */
    public record Choice(int best, double[] scores) {

        public Choice {
            scores = scores.clone();
        }

        @Override
        public double[] scores() {
            return scores.clone();
        }

        static Choice of(double[] scores) {
            int best = 0;
            for (int i = 1; i < scores.length; i++) {
                if (scores[i] > scores[best]) {
                    best = i;
                }
            }
            return new Choice(best, scores);
        }
    }
}
