package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.likelihood.MaskedNll;
import io.github.dllmquant.runtime.likelihood.NllResult;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.sampling.CacheMode;
import io.github.dllmquant.runtime.sampling.CacheRefresh;
import io.github.dllmquant.runtime.sampling.DreamAlgorithm;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.LogitsFunction;
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

    /** Task examples generated together, their sampler steps sharing one forward. */
    public static final int PROMPTS_PER_FORWARD = 64;
    /** Examples generated one at a time to measure single-prompt tokens per second. */
    public static final int SPEED_EXAMPLES = 24;

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

    /** How the task generations decode. */
    public enum Decoding {
        /** The protocol's fixed schedule, every step a full forward (the reference). */
        VANILLA,
        /**
         * Fast masked-denoising (issue 7): confidence-threshold parallel decoding at {@link #FAST_THRESHOLD}
         * with an approximate dual KV cache, on the protocol's block, renewed by the samplers' default policy
         * {@link CacheRefresh#standard()} (once half the block was committed since the last refresh), the
         * same policy DecodeBench's threshold + dual cache row uses.
         */
        THRESHOLD_DUAL_CACHE
    }

    /** The confidence threshold of {@link Decoding#THRESHOLD_DUAL_CACHE}. */
    public static final double FAST_THRESHOLD = 0.9;

    /**
     * Exact match of greedy generations on {@code tasks} with the given decoding: {@link Decoding#VANILLA} as
     * {@link #exactMatch(DiffusionLm, TaskSet, ProgressListener)}; {@link Decoding#THRESHOLD_DUAL_CACHE} one
     * prompt at a time through {@link DiffusionLm#asLogitsFunction()} (which provides the KV cache; the
     * batched forwards have none), so its time is a single-prompt speed.
     */
    public TaskScore exactMatch(DiffusionLm model, TaskSet tasks, Decoding decoding, ProgressListener progress) {
        if (decoding == Decoding.VANILLA) {
            return exactMatch(model, tasks, progress);
        }
        Sampler sampler = sampling(model.config().architecture(), decoding).newSampler(model.config().maskTokenId());
        LogitsFunction function = model.asLogitsFunction();
        int eos = model.config().eosTokenId();
        int correct = 0;
        long generated = 0;
        long start = System.nanoTime();
        int n = tasks.examples().size();
        for (int i = 0; i < n; i++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("evaluation of " + tasks.name() + " interrupted");
            }
            int[] completion = sampler.sample(function, prompt(model, tasks.examples().get(i))).generatedIds();
            generated += completion.length;
            if (answer(completion, eos).equals(tasks.examples().get(i).answer().strip())) {
                correct++;
            }
            progress.onProgress(new Progress(tasks.name() + " exact match", i + 1, n));
        }
        return new TaskScore(new Proportion(correct, n), generated, System.nanoTime() - start);
    }

    /**
     * Exact match of greedy generations on {@code tasks}. The examples run in groups of
     * {@value #PROMPTS_PER_FORWARD}, each on its own sampler, whose steps share batched forwards
     * ({@link LockstepBatcher}); every example still gets the generation it would get alone. The reported
     * time is that of the batched run (a throughput); {@link #singlePromptSpeed} measures one prompt at a
     * time.
     */
    public TaskScore exactMatch(DiffusionLm model, TaskSet tasks, ProgressListener progress) {
        Sampling sampling = sampling(model.config().architecture(), Decoding.VANILLA);
        int mask = model.config().maskTokenId();
        int eos = model.config().eosTokenId();
        int correct = 0;
        long generated = 0;
        long start = System.nanoTime();
        int n = tasks.examples().size();
        for (int b0 = 0; b0 < n; b0 += PROMPTS_PER_FORWARD) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("evaluation of " + tasks.name() + " interrupted");
            }
            int b1 = Math.min(n, b0 + PROMPTS_PER_FORWARD);
            SamplerOutput[] outputs = generateTogether(model, sampling, mask, tasks, b0, b1);
            for (int i = b0; i < b1; i++) {
                int[] completion = outputs[i - b0].generatedIds();
                generated += completion.length;
                if (answer(completion, eos).equals(tasks.examples().get(i).answer().strip())) {
                    correct++;
                }
            }
            progress.onProgress(new Progress(tasks.name() + " exact match", b1, n));
        }
        return new TaskScore(new Proportion(correct, n), generated, System.nanoTime() - start);
    }

    /**
     * Generation speed of one prompt at a time (no batching) on the first {@code count} examples of
     * {@code tasks}: generated tokens per second, what an application generating for one user sees.
     */
    public double singlePromptSpeed(DiffusionLm model, TaskSet tasks, int count) {
        return singlePromptSpeed(model, tasks, count, Decoding.VANILLA);
    }

    /** As {@link #singlePromptSpeed(DiffusionLm, TaskSet, int)} with the given decoding. */
    public double singlePromptSpeed(DiffusionLm model, TaskSet tasks, int count, Decoding decoding) {
        Sampler sampler = sampling(model.config().architecture(), decoding).newSampler(model.config().maskTokenId());
        LogitsFunction function = model.asLogitsFunction();
        long generated = 0;
        long start = System.nanoTime();
        for (int i = 0; i < Math.min(count, tasks.examples().size()); i++) {
            generated += sampler.sample(function, prompt(model, tasks.examples().get(i))).generatedIds().length;
        }
        long nanos = System.nanoTime() - start;
        return nanos == 0 ? 0 : generated * 1e9 / nanos;
    }

    /** Runs examples {@code [b0, b1)} on one sampler each, in lockstep over batched forwards. */
    private SamplerOutput[] generateTogether(DiffusionLm model, Sampling sampling, int mask, TaskSet tasks, int b0, int b1) {
        int count = b1 - b0;
        LockstepBatcher batcher = new LockstepBatcher(model.config().architecture() == Architecture.LLADA
                ? sequences -> maskedRowsOnly(model, mask, sequences) : model::logits, count);
        SamplerOutput[] outputs = new SamplerOutput[count];
        Throwable[] errors = new Throwable[count];
        Thread[] threads = new Thread[count];
        for (int j = 0; j < count; j++) {
            int[] prompt = prompt(model, tasks.examples().get(b0 + j));
            int slot = j;
            threads[j] = Thread.ofVirtual().name("eval-" + tasks.name() + "-" + (b0 + j)).start(() -> {
                try {
                    outputs[slot] = sampling.newSampler(mask).sample(batcher, prompt);
                } catch (Throwable t) {
                    errors[slot] = t;
                } finally {
                    batcher.finished();
                }
            });
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("evaluation of " + tasks.name() + " interrupted");
            }
        }
        for (int j = 0; j < count; j++) {
            if (errors[j] != null) {
                throw new IllegalStateException("generation failed on " + tasks.name() + " example " + (b0 + j)
                        + ": " + errors[j].getMessage(), errors[j]);
            }
        }
        return outputs;
    }

    /**
     * Logits of the stacked sequences where only the rows of masked positions are computed
     * ({@link DiffusionLm#logitsOfRows}, the same bits as a full batched forward); the other rows are NaN. The
     * LLaDA sampler reads only the rows of masked positions (its candidates), so its generations are unchanged
     * while the last layer and the LM head run on a fraction of the rows.
     */
    private static float[][] maskedRowsOnly(DiffusionLm model, int mask, List<int[]> sequences) {
        List<int[]> rows = new ArrayList<>(sequences.size());
        for (int[] ids : sequences) {
            int n = 0;
            int[] masked = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == mask) {
                    masked[n++] = i;
                }
            }
            rows.add(Arrays.copyOf(masked, n));
        }
        float[][] picked = model.logitsOfRows(sequences, rows);
        int vocab = model.vocabSize();
        float[][] full = new float[sequences.size()][];
        for (int s = 0; s < full.length; s++) {
            float[] logits = new float[sequences.get(s).length * vocab];
            Arrays.fill(logits, Float.NaN);
            int[] r = rows.get(s);
            for (int j = 0; j < r.length; j++) {
                System.arraycopy(picked[s], j * vocab, logits, r[j] * vocab, vocab);
            }
            full[s] = logits;
        }
        return full;
    }

    /** {@code [BOS] + encode(prompt)}. */
    private int[] prompt(DiffusionLm model, TaskSet.Example example) {
        int[] encoded = tokenizer.encode(example.prompt());
        int[] prompt = new int[encoded.length + 1];
        prompt[0] = model.config().bosTokenId();
        System.arraycopy(encoded, 0, prompt, 1, encoded.length);
        return prompt;
    }

    /** The completion cut at the first EOS, decoded and stripped. */
    private String answer(int[] completion, int eos) {
        int end = 0;
        while (end < completion.length && completion[end] != eos) {
            end++;
        }
        return tokenizer.decode(Arrays.copyOf(completion, end), true).strip();
    }

    private Sampling sampling(Architecture architecture, Decoding decoding) {
        int length = settings.genLength();
        boolean fast = decoding == Decoding.THRESHOLD_DUAL_CACHE;
        return switch (architecture) {
            case LLADA -> {
                LladaSampling.Builder b = Sampling.lowConfidence().steps(length).genLength(length).blockLength(length)
                        .temperature(0);
                yield fast ? b.threshold(FAST_THRESHOLD).cache(CacheMode.DUAL).cacheRefresh(CacheRefresh.standard()).build()
                        : b.build();
            }
            case DREAM -> {
                if (fast) {
                    throw new IllegalArgumentException("fast decoding (threshold + dual cache) is measured for LLaDA "
                            + "models only; this is a Dream model");
                }
                yield Sampling.dream().steps(length).genLength(length).algorithm(DreamAlgorithm.ENTROPY)
                        .temperature(0).build();
            }
        };
    }
}
