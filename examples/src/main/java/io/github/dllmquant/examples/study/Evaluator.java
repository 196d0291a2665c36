package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.likelihood.MaskedNll;
import io.github.dllmquant.runtime.likelihood.NllResult;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.sampling.DreamAlgorithm;
import io.github.dllmquant.runtime.sampling.Sampler;
import io.github.dllmquant.runtime.sampling.SamplerOutput;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * The study's metrics for one model, following the bundled model's README protocol: masked-token NLL
 * on the held-out last 10% of the corpus tokens (windows of 128, each position masked with probability
 * r, seeded), and exact match on the generation task families (prompt ids {@code [BOS] + encode(prompt)},
 * greedy low-confidence LLaDA sampling with gen_length 8, steps 8, block 8; the completion is cut at the
 * first EOS, decoded and stripped).
 */
public final class Evaluator {

    /** Tokens per NLL window (the README's protocol). */
    public static final int WINDOW = 128;
    /** Fraction of the corpus tokens held out for NLL. */
    public static final double HELD_OUT = 0.1;

    private final Tokenizer tokenizer;
    private final int[] heldOutTokens;
    private final EvalSettings settings;

    /**
     * @param tokenizer    the model family's tokenizer
     * @param corpusTokens the whole corpus, tokenized; its last 10% is scored
     * @param settings     what to measure
     */
    public Evaluator(Tokenizer tokenizer, int[] corpusTokens, EvalSettings settings) {
        this.tokenizer = tokenizer;
        int[] heldOut = MaskedNll.heldOut(corpusTokens, HELD_OUT);
        int windows = Math.min(heldOut.length / WINDOW, settings.nllWindows());
        if (windows == 0) {
            throw new IllegalArgumentException("the held-out text has no complete window of " + WINDOW + " tokens");
        }
        this.heldOutTokens = Arrays.copyOf(heldOut, windows * WINDOW);
        this.settings = settings;
    }

    /**
     * The first {@code max} consecutive windows of {@link #WINDOW} tokens of the held-out last
     * {@link #HELD_OUT} of {@code corpusTokens} (fewer when the held-out part is shorter).
     */
    public static List<int[]> heldOutWindows(int[] corpusTokens, int max) {
        int[] heldOut = MaskedNll.heldOut(corpusTokens, HELD_OUT);
        List<int[]> windows = new ArrayList<>();
        for (int w = 0; w < max && (w + 1) * WINDOW <= heldOut.length; w++) {
            windows.add(Arrays.copyOfRange(heldOut, w * WINDOW, (w + 1) * WINDOW));
        }
        return windows;
    }

    /** Held-out NLL windows scored per ratio. */
    public int nllWindows() {
        return heldOutTokens.length / WINDOW;
    }

    /** Mean masked NLL (nats per masked token) at each of the settings' mask ratios. */
    public double[] maskedNll(DiffusionLm model, ProgressListener progress) {
        MaskedNll nll = new MaskedNll(model);
        double[] ratios = settings.maskRatios();
        double[] mean = new double[ratios.length];
        for (int r = 0; r < ratios.length; r++) {
            int index = r;
            NllResult result = nll.windows(heldOutTokens, WINDOW, ratios[r], settings.seed() + r,
                    p -> progress.onProgress(new Progress("masked NLL r=" + ratios[index],
                            (long) index * p.total() + p.done(), (long) ratios.length * p.total())));
            mean[r] = result.mean();
        }
        return mean;
    }

    /** Outcome of a task family: accuracy, generated tokens and the time they took. */
    public record TaskScore(Proportion accuracy, long generatedTokens, long nanos) {

        /** Generated tokens per second. */
        public double tokensPerSecond() {
            return nanos == 0 ? 0 : generatedTokens * 1e9 / nanos;
        }
    }

    /** Exact match of greedy generations on {@code tasks}. */
    public TaskScore exactMatch(DiffusionLm model, TaskSet tasks, ProgressListener progress) {
        Sampler sampler = sampling(model.config().architecture()).newSampler(model.config().maskTokenId());
        int bos = model.config().bosTokenId();
        int eos = model.config().eosTokenId();
        int correct = 0;
        long generated = 0;
        long start = System.nanoTime();
        int n = tasks.examples().size();
        for (int i = 0; i < n; i++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("evaluation of " + tasks.name() + " interrupted");
            }
            TaskSet.Example example = tasks.examples().get(i);
            int[] encoded = tokenizer.encode(example.prompt());
            int[] prompt = new int[encoded.length + 1];
            prompt[0] = bos;
            System.arraycopy(encoded, 0, prompt, 1, encoded.length);
            SamplerOutput out = sampler.sample(model::logits, prompt);
            int[] completion = out.generatedIds();
            generated += completion.length;
            int end = 0;
            while (end < completion.length && completion[end] != eos) {
                end++;
            }
            String text = tokenizer.decode(Arrays.copyOf(completion, end), true).strip();
            if (text.equals(example.answer().strip())) {
                correct++;
            }
            progress.onProgress(new Progress(tasks.name() + " exact match", i + 1, n));
        }
        return new TaskScore(new Proportion(correct, n), generated, System.nanoTime() - start);
    }

    private Sampling sampling(Architecture architecture) {
        int length = settings.genLength();
        return switch (architecture) {
            case LLADA -> Sampling.lowConfidence().steps(length).genLength(length).blockLength(length)
                    .temperature(0).build();
            case DREAM -> Sampling.dream().steps(length).genLength(length).algorithm(DreamAlgorithm.ENTROPY)
                    .temperature(0).build();
        };
    }
}
