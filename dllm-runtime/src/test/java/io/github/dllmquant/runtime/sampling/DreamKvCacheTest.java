package io.github.dllmquant.runtime.sampling;

import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.model.KvCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Dream with blocks and an approximate KV cache (dllm-runtime.md §6) on the bundled tiny-dream: the cache of
 * the current sequence reproduces the full forward's rows (q/k/v biases included), a cache refreshed at every
 * step reproduces the sampler without cache token for token, and one block without cache is the reference.
 */
class DreamKvCacheTest {

    private static final Path DREAM = Path.of("../examples/models/tiny-dream");
    private static DiffusionLm dream;

    @BeforeAll
    static void load() throws IOException {
        dream = DiffusionLm.load(DREAM);
    }

    @AfterAll
    static void close() {
        dream.close();
    }

    private static int[] randomIds(int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = r.nextInt(1000);
        }
        return ids;
    }

    @Test
    void aCacheOfTheCurrentSequenceGivesTheFullForwardRows() {
        int[] ids = randomIds(40, 1);
        Arrays.fill(ids, 24, 40, dream.config().maskTokenId());
        float[] full = dream.logits(ids);
        int vocab = dream.vocabSize();
        KvCache cache = dream.startCache(ids);
        assertThat(cache.logits()).containsExactly(full);
        for (int[] range : new int[][] {{15, 24}, {15, 40}, {0, 40}}) {
            float[] rows = cache.logits(ids, range[0], range[1]);
            float[] expected = Arrays.copyOfRange(full, range[0] * vocab, range[1] * vocab);
            double maxAbs = 0;
            for (float f : expected) {
                maxAbs = Math.max(maxAbs, Math.abs(f));
            }
            for (int i = 0; i < rows.length; i++) {
                assertThat((double) rows[i]).as("range %s, value %d", Arrays.toString(range), i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4 * maxAbs + 1e-5));
            }
        }
    }

    /** Every cached call answers with the exact rows of the current sequence; calls[0] full, calls[1] partial. */
    private static LogitsFunction refreshEveryStep(int[] calls) {
        return LogitsFunction.withCache(dream::logits, start -> new CachedLogits() {
            @Override
            public float[] logits() {
                calls[0]++;
                return dream.logits(start);
            }

            @Override
            public float[] logits(int[] ids, int from, int to) {
                calls[1]++;
                int vocab = dream.vocabSize();
                return Arrays.copyOfRange(dream.logits(ids), from * vocab, to * vocab);
            }
        });
    }

    @Test
    void cacheRefreshedEveryStepReproducesTheSamplerWithoutCache() {
        int[] plainPrompt = randomIds(12, 3);
        int[] maskedPrompt = plainPrompt.clone(); // prompt masks stay candidates on cached steps
        maskedPrompt[5] = dream.config().maskTokenId();
        for (int[] prompt : new int[][] {plainPrompt, maskedPrompt}) {
            for (DreamAlgorithm algorithm : new DreamAlgorithm[] {DreamAlgorithm.ENTROPY, DreamAlgorithm.MASKGIT_PLUS,
                    DreamAlgorithm.ORIGIN}) {
                for (int blockLength : new int[] {8, 32}) {
                    DreamSampling plain = Sampling.dream().steps(32).genLength(32).blockLength(blockLength)
                            .algorithm(algorithm).temperature(algorithm == DreamAlgorithm.ORIGIN ? 0.5 : 0).seed(3).build();
                    SamplerOutput expected = plain.newSampler(dream.config().maskTokenId()).sample(dream::logits, prompt);
                    for (CacheMode mode : new CacheMode[] {CacheMode.PREFIX, CacheMode.DUAL}) {
                        int[] calls = new int[2];
                        SamplerOutput cached = plain.toBuilder().cache(mode).cacheRefresh(CacheRefresh.perBlock()).build()
                                .newSampler(dream.config().maskTokenId()).sample(refreshEveryStep(calls), prompt);
                        assertThat(cached.ids()).as("%s block %d %s", algorithm, blockLength, mode)
                                .containsExactly(expected.ids());
                        assertThat(calls[0]).as("one full pass per block").isEqualTo(32 / blockLength);
                        assertThat(calls[0] + calls[1]).isEqualTo(cached.forwardPasses()).isEqualTo(expected.forwardPasses());
                    }
                }
            }
        }
    }

    /** The model's cache behind the interface's defaults: every cached pass computes all its rows. */
    private static CachedLogits allRows(CachedLogits real) {
        return new CachedLogits() {
            @Override
            public float[] logits() {
                return real.logits();
            }

            @Override
            public float[] logits(int[] ids, int from, int to) {
                return real.logits(ids, from, to);
            }

            @Override
            public CachedLogits refreshRows(int[] ids, int to) {
                return allRows(real.refreshRows(ids, to));
            }
        };
    }

    @Test
    void cachedStepsComputingOnlyTheRowsThatPredictMasksDecodeAsAllRows() {
        LogitsFunction model = dream.asLogitsFunction();
        LogitsFunction everyRow = LogitsFunction.withCache(dream::logits, start -> allRows(model.startCache(start)));
        int[] prompt = randomIds(11, 5);
        prompt[0] = dream.config().maskTokenId(); // a masked position 0 and 1 share row 0 (Dream's shift)
        prompt[1] = dream.config().maskTokenId();
        for (DreamAlgorithm algorithm : new DreamAlgorithm[] {DreamAlgorithm.ENTROPY, DreamAlgorithm.ORIGIN}) {
            for (CacheMode mode : new CacheMode[] {CacheMode.PREFIX, CacheMode.DUAL}) {
                DreamSampling sampling = Sampling.dream().steps(12).genLength(24).blockLength(8).algorithm(algorithm)
                        .temperature(algorithm == DreamAlgorithm.ORIGIN ? 0.5 : 0).seed(9).cache(mode).build();
                SamplerOutput rowsOnly = sampling.newSampler(dream.config().maskTokenId()).sample(model, prompt);
                SamplerOutput full = sampling.newSampler(dream.config().maskTokenId()).sample(everyRow, prompt);
                assertThat(rowsOnly.ids()).as("%s %s", algorithm, mode).containsExactly(full.ids());
                assertThat(rowsOnly.forwardPasses()).isEqualTo(full.forwardPasses());
            }
        }
    }

    @Test
    void oneBlockWithoutCacheIsTheReferenceAndARealCacheFinishes() {
        int[] prompt = randomIds(10, 4);
        DreamSampling reference = Sampling.dream().steps(16).genLength(16).algorithm(DreamAlgorithm.ENTROPY)
                .temperature(0).seed(0).build();
        assertThat(reference.blockLength()).isEqualTo(16);
        assertThat(reference.cacheMode()).isEqualTo(CacheMode.NONE);
        SamplerOutput out = reference.toBuilder().blockLength(8).cache(CacheMode.DUAL).build()
                .newSampler(dream.config().maskTokenId()).sample(dream.asLogitsFunction(), prompt);
        assertThat(Arrays.stream(out.ids()).noneMatch(id -> id == dream.config().maskTokenId())).isTrue();
        assertThat(Arrays.copyOf(out.ids(), prompt.length)).containsExactly(prompt);
        assertThatThrownBy(() -> Sampling.dream().steps(9).genLength(16).blockLength(8).build())
                .hasMessageContaining("not divisible by the number of blocks");
        assertThatThrownBy(() -> Sampling.dream().genLength(16).blockLength(5).build())
                .hasMessageContaining("blockLength");
    }
}
