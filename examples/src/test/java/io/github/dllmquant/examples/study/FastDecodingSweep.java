package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.examples.bench.PassCounter;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.sampling.CacheMode;
import io.github.dllmquant.runtime.sampling.CacheRefresh;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.LogitsFunction;
import io.github.dllmquant.runtime.sampling.Sampler;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Development program (not a test): exact match of the study's task families on the bundled tiny-llada
 * under many fast-decoding variants (parallel decoding x cache mode x cache refresh policy), with the
 * number of completions identical to vanilla and the forward passes each variant ran. Used to choose the
 * {@code fp+fast} row's policy (NOTES.md, fast-dec). Run from the repository root with the test classpath:
 * {@code java ... io.github.dllmquant.examples.study.FastDecodingSweep [examples]}.
 *
 * <p>Prompts and answers follow {@link Evaluator} (BOS + encoded prompt, completion cut at EOS, decoded,
 * stripped); the program checks that its vanilla and threshold + dual-cache exact match equal the
 * Evaluator's own.
 */
public final class FastDecodingSweep {

    private FastDecodingSweep() {
    }

    private record Variant(String name, Sampling sampling) {
    }

    public static void main(String[] args) throws Exception {
        int examples = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Path folder = Path.of("examples/models/tiny-llada");
        Tokenizer tokenizer = Tokenizers.load(folder);
        int[] corpus = tokenizer.encode(Files.readString(Path.of("examples/data/tiny_shakespeare.txt")));
        EvalSettings settings = EvalSettings.full();
        List<TaskSet> sets = List.of(TaskSet.read("math", folder.resolve("tasks/math.jsonl")).first(examples),
                TaskSet.read("code", folder.resolve("tasks/code.jsonl")).first(examples));
        try (DiffusionLm lm = DiffusionLm.load(folder)) {
            int n = settings.genLength();
            List<Variant> variants = new ArrayList<>();
            LladaSampling base = Sampling.lowConfidence().steps(n).genLength(n).blockLength(n).temperature(0).build();
            variants.add(new Variant("vanilla", base));
            variants.add(new Variant("threshold 0.9", base.toBuilder().threshold(0.9).build()));
            for (CacheRefresh r : List.of(CacheRefresh.perBlock(), CacheRefresh.everySteps(1), CacheRefresh.everySteps(2),
                    CacheRefresh.everySteps(3), CacheRefresh.everySteps(4), CacheRefresh.afterCommitted(0.125),
                    CacheRefresh.afterCommitted(0.25), CacheRefresh.afterCommitted(0.375), CacheRefresh.afterCommitted(0.5),
                    CacheRefresh.afterCommitted(0.75))) {
                variants.add(new Variant("dual " + r.spelling(), base.toBuilder().cache(CacheMode.DUAL).cacheRefresh(r).build()));
                variants.add(new Variant("threshold 0.9 + dual " + r.spelling(),
                        base.toBuilder().threshold(0.9).cache(CacheMode.DUAL).cacheRefresh(r).build()));
            }
            for (CacheRefresh r : List.of(CacheRefresh.perBlock(), CacheRefresh.standard())) {
                variants.add(new Variant("threshold 0.9 + prefix " + r.spelling(),
                        base.toBuilder().threshold(0.9).cache(CacheMode.PREFIX).cacheRefresh(r).build()));
            }
            // smaller semi-autoregressive blocks: this changes the decoding order itself, not only the cache
            for (int block : new int[] {4, 2}) {
                LladaSampling b = base.toBuilder().blockLength(block).build();
                variants.add(new Variant("vanilla block " + block, b));
                for (CacheRefresh r : List.of(CacheRefresh.perBlock(), CacheRefresh.standard())) {
                    variants.add(new Variant("threshold 0.9 + dual " + r.spelling() + ", block " + block,
                            b.toBuilder().threshold(0.9).cache(CacheMode.DUAL).cacheRefresh(r).build()));
                }
            }
            Map<String, List<String>> vanilla = new LinkedHashMap<>();
            System.out.println("| variant | math EM | code EM | math = vanilla | code = vanilla | full passes | cached passes | seconds |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (Variant v : variants) {
                int[] correct = new int[2];
                int[] identical = new int[2];
                // a partial refresh counts as a full pass here (the study's single block makes it one)
                PassCounter passes = new PassCounter();
                LogitsFunction counted = passes.wrap(lm.asLogitsFunction());
                Sampler sampler = v.sampling().newSampler(lm.config().maskTokenId());
                long t0 = System.nanoTime();
                for (int s = 0; s < sets.size(); s++) {
                    TaskSet set = sets.get(s);
                    List<String> answers = new ArrayList<>();
                    for (TaskSet.Example e : set.examples()) {
                        int[] encoded = tokenizer.encode(e.prompt());
                        int[] prompt = new int[encoded.length + 1];
                        prompt[0] = lm.config().bosTokenId();
                        System.arraycopy(encoded, 0, prompt, 1, encoded.length);
                        int[] completion = sampler.sample(counted, prompt).generatedIds();
                        int end = 0;
                        while (end < completion.length && completion[end] != lm.config().eosTokenId()) {
                            end++;
                        }
                        String answer = tokenizer.decode(Arrays.copyOf(completion, end), true).strip();
                        answers.add(answer + "\u0000" + Arrays.toString(completion));
                        if (answer.equals(e.answer().strip())) {
                            correct[s]++;
                        }
                    }
                    if (v.name().equals("vanilla")) {
                        vanilla.put(set.name(), answers);
                    }
                    List<String> ref = vanilla.get(set.name());
                    for (int i = 0; i < answers.size(); i++) {
                        if (answers.get(i).equals(ref.get(i))) {
                            identical[s]++;
                        }
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "| %s | %.1f%% | %.1f%% | %d | %d | %d | %d | %.1f |%n", v.name(),
                        100.0 * correct[0] / sets.get(0).examples().size(), 100.0 * correct[1] / sets.get(1).examples().size(),
                        identical[0], identical[1], passes.full() + passes.refresh(), passes.partial(), seconds);
            }
            // cross-check against the Evaluator's own exact match
            Evaluator evaluator = new Evaluator(tokenizer, corpus, settings);
            for (TaskSet set : sets) {
                for (Evaluator.Decoding d : Evaluator.Decoding.values()) {
                    System.out.printf(Locale.ROOT, "Evaluator %s %s: %s%n", set.name(), d,
                            evaluator.exactMatch(lm, set, d, ProgressListener.NONE).accuracy());
                }
            }
        }
    }
}
