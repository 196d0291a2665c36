package io.github.dllmquant.runtime.likelihood;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.model.DiffusionLm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

/**
 * Masked-token negative log-likelihood of a diffusion LM (dllm-runtime.md §7): replace chosen
 * positions by the mask token, run one forward pass, and sum {@code −log softmax(row_i)[x_i]} over
 * the masked positions, where row i is the model's prediction for position i (Dream's shifted
 * logits). The log-sum-exp is taken in double. Thread-safe: it only calls the model's forward.
 */
public final class MaskedNll {

    /** Windows scored in one batched forward ({@link DiffusionLm#forward(List)}). */
    static final int WINDOWS_PER_FORWARD = 8;

    private final DiffusionLm model;

    /** Scores with {@code model}. */
    public MaskedNll(DiffusionLm model) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        this.model = model;
    }

    /**
     * The NLL of the true tokens at {@code maskedPositions}, all masked at once.
     *
     * @param ids             the true sequence
     * @param maskedPositions distinct positions in {@code [0, ids.length)}
     */
    public NllResult score(int[] ids, int[] maskedPositions) {
        boolean[] masked = new boolean[ids.length];
        for (int p : maskedPositions) {
            if (p < 0 || p >= ids.length) {
                throw new IllegalArgumentException("masked position " + p + " is outside the sequence of " + ids.length);
            }
            if (masked[p]) {
                throw new IllegalArgumentException("masked position " + p + " is listed twice");
            }
            masked[p] = true;
        }
        return score(ids, masked);
    }

    /** The NLL of the true tokens where {@code masked} is true, all masked at once. */
    public NllResult score(int[] ids, boolean[] masked) {
        int[] input = maskedInput(ids, masked);
        return input == null ? NllResult.ZERO : scoreLogits(model.forward(input), ids, masked);
    }

    /** {@code ids} with the masked positions replaced by the mask token, or null when nothing is masked. */
    private int[] maskedInput(int[] ids, boolean[] masked) {
        if (ids.length != masked.length) {
            throw new IllegalArgumentException("ids has " + ids.length + " tokens but the mask " + masked.length);
        }
        int maskId = model.config().maskTokenId();
        int[] input = ids.clone();
        int count = 0;
        for (int i = 0; i < ids.length; i++) {
            if (masked[i]) {
                input[i] = maskId;
                count++;
            }
        }
        return count == 0 ? null : input;
    }

    private NllResult scoreLogits(float[] logits, int[] ids, boolean[] masked) {
        int vocab = model.vocabSize();
        double sum = 0;
        int count = 0;
        for (int i = 0; i < ids.length; i++) {
            if (masked[i]) {
                sum += crossEntropy(logits, i * vocab, vocab, ids[i]);
                count++;
            }
        }
        return new NllResult(sum, count);
    }

    /**
     * The raw logit rows that predict the masked positions, ascending: position i itself, or for Dream
     * (whose prediction for position i is row i−1, row 0 for position 0) row max(i−1, 0).
     */
    private int[] predictingRows(boolean[] masked) {
        boolean shifted = model.config().architecture() == Architecture.DREAM;
        boolean[] needed = new boolean[masked.length];
        int count = 0;
        for (int i = 0; i < masked.length; i++) {
            int row = shifted ? Math.max(i - 1, 0) : i;
            if (masked[i] && !needed[row]) {
                needed[row] = true;
                count++;
            }
        }
        int[] rows = new int[count];
        for (int i = 0, c = 0; i < needed.length; i++) {
            if (needed[i]) {
                rows[c++] = i;
            }
        }
        return rows;
    }

    /**
     * {@link #scoreLogits} on the logits of {@code rows} only ({@link DiffusionLm#logitsOfRows}): the same
     * terms added in the same order.
     */
    private NllResult scoreRows(float[] logits, int[] rows, int[] ids, boolean[] masked) {
        boolean shifted = model.config().architecture() == Architecture.DREAM;
        int[] index = new int[ids.length];
        for (int r = 0; r < rows.length; r++) {
            index[rows[r]] = r;
        }
        int vocab = model.vocabSize();
        double sum = 0;
        int count = 0;
        for (int i = 0; i < ids.length; i++) {
            if (masked[i]) {
                int row = shifted ? Math.max(i - 1, 0) : i;
                sum += crossEntropy(logits, index[row] * vocab, vocab, ids[i]);
                count++;
            }
        }
        return new NllResult(sum, count);
    }

    /**
     * The NLL at mask ratio {@code ratio}: each position is masked independently with probability
     * {@code ratio} (at least one position), drawn from a generator seeded with {@code seed}.
     */
    public NllResult scoreAtRatio(int[] ids, double ratio, long seed) {
        return score(ids, randomMask(ids.length, ratio, new SplittableRandom(seed)));
    }

    /**
     * The mean masked NLL over consecutive windows of {@code window} tokens from the start of
     * {@code tokens} (a trailing partial window is dropped), each position masked with probability
     * {@code ratio}; one generator seeded with {@code seed} draws the masks of all windows in order.
     * This is the bundled model's README protocol when {@code tokens} is the held-out part
     * ({@link #heldOut}) and {@code window} is 128.
     *
     * @param progress one update per window; the evaluation stops with a {@link CancellationException}
     *                 when the thread is interrupted
     */
    public NllResult windows(int[] tokens, int window, double ratio, long seed, ProgressListener progress) {
        if (window <= 0) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        int n = tokens.length / window;
        if (n == 0) {
            throw new IllegalArgumentException("no complete window of " + window + " in " + tokens.length + " tokens");
        }
        SplittableRandom random = new SplittableRandom(seed);
        NllResult total = NllResult.ZERO;
        for (int w0 = 0; w0 < n; w0 += WINDOWS_PER_FORWARD) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("masked NLL interrupted after " + w0 + " of " + n + " windows");
            }
            // masks drawn in window order from the one generator; the windows of a batch share one forward
            int w1 = Math.min(n, w0 + WINDOWS_PER_FORWARD);
            List<int[]> ids = new ArrayList<>();
            List<boolean[]> masks = new ArrayList<>();
            List<int[]> inputs = new ArrayList<>();
            for (int w = w0; w < w1; w++) {
                int[] windowIds = Arrays.copyOfRange(tokens, w * window, (w + 1) * window);
                boolean[] mask = randomMask(window, ratio, random);
                ids.add(windowIds);
                masks.add(mask);
                inputs.add(maskedInput(windowIds, mask)); // randomMask masks at least one position
            }
            // only the rows that predict a masked position: the last layer and the LM head skip the others
            List<int[]> rows = new ArrayList<>(masks.size());
            for (boolean[] mask : masks) {
                rows.add(predictingRows(mask));
            }
            float[][] logits = model.logitsOfRows(inputs, rows);
            for (int i = 0; i < ids.size(); i++) {
                total = total.plus(scoreRows(logits[i], rows.get(i), ids.get(i), masks.get(i)));
                progress.onProgress(new Progress("masked NLL r=" + ratio, w0 + i + 1, n));
            }
        }
        return total;
    }

    /**
     * The held-out tail of a token stream: the last {@code fraction} of it, starting at
     * {@code floor(length·(1 − fraction))} (the bundled model trained on the part before).
     */
    public static int[] heldOut(int[] tokens, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
        }
        int start = (int) Math.floor(tokens.length * (1 - fraction));
        return Arrays.copyOfRange(tokens, start, tokens.length);
    }

    /**
     * A random mask: each of {@code length} positions masked with probability {@code ratio}; if none
     * was drawn, one uniformly chosen position is masked.
     */
    public static boolean[] randomMask(int length, double ratio, SplittableRandom random) {
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive, got " + length);
        }
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("mask ratio must be in (0, 1], got " + ratio);
        }
        boolean[] masked = new boolean[length];
        boolean any = false;
        for (int i = 0; i < length; i++) {
            masked[i] = random.nextDouble() < ratio;
            any |= masked[i];
        }
        if (!any) {
            masked[random.nextInt(length)] = true;
        }
        return masked;
    }

    /** {@code −log softmax(row)[target] = logsumexp(row) − row[target]}, in double. */
    static double crossEntropy(float[] logits, int offset, int vocab, int target) {
        if (target < 0 || target >= vocab) {
            throw new IllegalArgumentException("token id " + target + " is outside the vocabulary of " + vocab);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[offset + v] - max);
        }
        return max + Math.log(sum) - logits[offset + target];
    }
}
