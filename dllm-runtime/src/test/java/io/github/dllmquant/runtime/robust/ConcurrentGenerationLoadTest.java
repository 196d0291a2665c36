package io.github.dllmquant.runtime.robust;

import io.github.dllmquant.runtime.api.DiffusionModel;
import io.github.dllmquant.runtime.config.GenerationConfig;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.sampling.CacheMode;
import io.github.dllmquant.runtime.sampling.DreamAlgorithm;
import io.github.dllmquant.runtime.sampling.DreamSampling;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.Remasking;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load test of issue 8: 8 threads x 50 generations against one shared model instance (FP tiny-llada,
 * its W8A8 quantization, so the integer kernels and their shared pools run concurrently, and FP tiny-dream;
 * LLaDA jobs include the dual and prefix KV caches) finish in a bounded time without an exception, each
 * output identical to the serial run of the same prompt and seed.
 */
class ConcurrentGenerationLoadTest {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 50;
    private static final String[] PROMPTS = {"66-3=", "12+7=", "Who art thou?", "To be, or not", "81-4=",
            "The king", "9+9=", "O Romeo"};

    @Test
    void fpModel() throws Exception {
        try (DiffusionModel model = DiffusionModel.load(SavingChildMain.TINY_LLADA)) {
            run("FP", model);
        }
    }

    @Test
    void dreamModel() throws Exception {
        try (DiffusionModel model = DiffusionModel.load(Path.of("../examples/models/tiny-dream"))) {
            run("Dream FP", model);
        }
    }

    @Test
    void w8a8Model() throws Exception {
        try (DiffusionModel model = DiffusionModel.of(SavingChildMain.version(1),
                Tokenizers.load(SavingChildMain.TINY_LLADA), GenerationConfig.load(SavingChildMain.TINY_LLADA))) {
            assertThat(model.network().block(0).linear(io.github.dllmquant.core.spi.LinearRole.DOWN).format())
                    .startsWith("w8a8");
            run("W8A8", model);
        }
    }

    /**
     * Job k: prompt k mod 8, 8 tokens in 4 steps. LLaDA: greedy, seeded temperature 0.8 with random remasking,
     * greedy with the dual KV cache, seeded temperature with the prefix cache (k mod 4). Dream: the
     * entropy order greedy, or the origin order at temperature 0.8, both seeded with k (k mod 2).
     */
    private static Sampling sampling(DiffusionModel model, int k) {
        if (model.architecture() == Architecture.DREAM) {
            // every Dream job is seeded: its origin order draws positions at random even at temperature 0
            DreamSampling entropy = Sampling.dream().steps(4).genLength(8).algorithm(DreamAlgorithm.ENTROPY)
                    .temperature(0).seed(k).build();
            return k % 2 == 0 ? entropy
                    : entropy.toBuilder().algorithm(DreamAlgorithm.ORIGIN).temperature(0.8).build();
        }
        LladaSampling greedy = Sampling.llada().steps(4).genLength(8).blockLength(8).build();
        LladaSampling sampled = greedy.toBuilder().temperature(0.8).remasking(Remasking.RANDOM).seed(k).build();
        return switch (k % 4) {
            case 0 -> greedy;
            case 1 -> sampled;
            case 2 -> greedy.toBuilder().cache(CacheMode.DUAL).build();
            default -> sampled.toBuilder().cache(CacheMode.PREFIX).build();
        };
    }

    private static final int JOBS = 16;

    private static void run(String name, DiffusionModel model) throws Exception {
        // warm up, then the serial reference of every distinct job
        for (int k = 0; k < JOBS; k++) {
            model.generate(PROMPTS[k % PROMPTS.length], sampling(model, k));
        }
        List<int[]> serial = new ArrayList<>();
        for (int k = 0; k < JOBS; k++) {
            serial.add(model.generate(PROMPTS[k % PROMPTS.length], sampling(model, k)).ids());
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long t0 = System.nanoTime();
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<String> mismatches = new ArrayList<>();
                    for (int i = 0; i < PER_THREAD; i++) {
                        int k = (thread * 7 + i) % JOBS;
                        int[] ids = model.generate(PROMPTS[k % PROMPTS.length], sampling(model, k)).ids();
                        if (!Arrays.equals(ids, serial.get(k))) {
                            mismatches.add("thread " + thread + " call " + i + " job " + k + ": " + Arrays.toString(ids)
                                    + " vs serial " + Arrays.toString(serial.get(k)));
                        }
                    }
                    return mismatches;
                }));
            }
            List<String> mismatches = new ArrayList<>();
            for (Future<List<String>> f : futures) {
                // bounded: a deadlock in the shared pools fails here instead of hanging the build
                mismatches.addAll(f.get(120, TimeUnit.SECONDS));
            }
            System.out.printf(Locale.ROOT, "%s: %d x %d generations in %.1f s%n", name, THREADS, PER_THREAD,
                    (System.nanoTime() - t0) / 1e9);
            assertThat(mismatches).as(name + " outputs that differ from the serial run").isEmpty();
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
