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
 * Approximate KV caching (dllm-runtime.md §6) on the bundled tiny-llada: a cache built on the current
 * sequence reproduces the full forward's rows, the sampler's cached steps use the right rows, and the
 * cached generations stay close to vanilla.
 */
class KvCacheSamplingTest {

    private static final Path LLADA = Path.of("../examples/models/tiny-llada");
    private static DiffusionLm llada;

    @BeforeAll
    static void load() throws IOException {
        llada = DiffusionLm.load(LLADA);
    }

    @AfterAll
    static void close() {
        llada.close();
    }

    private static int[] randomIds(int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = r.nextInt(llada.config().vocabSize());
        }
        return ids;
    }

    @Test
    void aCacheOfTheCurrentSequenceGivesTheFullForwardRows() {
        int[] ids = randomIds(40, 1);
        int mask = llada.config().maskTokenId();
        Arrays.fill(ids, 24, 40, mask);
        float[] full = llada.logits(ids);
        int vocab = llada.vocabSize();
        KvCache cache = llada.startCache(ids);
        assertThat(cache.logits()).containsExactly(full);
        // dual (block 16..24) and prefix (16..40) ranges
        for (int[] range : new int[][] {{16, 24}, {16, 40}, {0, 40}, {39, 40}}) {
            float[] rows = cache.logits(ids, range[0], range[1]);
            assertThat(rows).hasSize((range[1] - range[0]) * vocab);
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

    @Test
    void aStaleCacheEntryChangesTheRecomputedRows() {
        int[] ids = randomIds(32, 2);
        KvCache cache = llada.startCache(ids);
        int[] changed = ids.clone();
        changed[5] = (changed[5] + 1) % llada.config().vocabSize(); // outside the rows: stale in the cache
        float[] stale = cache.logits(changed, 16, 24);
        assertThat(cache.logits(changed, 16, 24)).containsExactly(stale); // the cache is not written by a call
        float[] unchanged = cache.logits(ids, 16, 24);
        assertThat(stale).containsExactly(unchanged); // position 5 is read only through its cached K/V
        float[] refreshed = llada.startCache(changed).logits(changed, 16, 24);
        double diff = 0;
        for (int i = 0; i < stale.length; i++) {
            diff = Math.max(diff, Math.abs(stale[i] - refreshed[i]));
        }
        assertThat(diff).as("a refreshed cache sees the new token").isGreaterThan(1e-4);
    }

    /** A function whose "cache" is refreshed at every step: every cached call is a full forward of the current ids. */
    private static LogitsFunction refreshEveryStep(int[] calls) {
        return LogitsFunction.withCache(llada::logits, start -> new CachedLogits() {
            @Override
            public float[] logits() {
                calls[0]++;
                return llada.logits(start);
            }

            @Override
            public float[] logits(int[] ids, int from, int to) {
                calls[1]++;
                int vocab = llada.vocabSize();
                return Arrays.copyOfRange(llada.logits(ids), from * vocab, to * vocab);
            }
        });
    }

    @Test
    void cacheRefreshedEveryStepReproducesVanillaSampling() {
        int[] plainPrompt = randomIds(12, 3);
        plainPrompt[0] = 1;
        // masked positions inside the prompt stay candidates on cached steps, as in vanilla sampling
        int[] maskedPrompt = plainPrompt.clone();
        maskedPrompt[4] = llada.config().maskTokenId();
        maskedPrompt[9] = llada.config().maskTokenId();
        for (int[] prompt : new int[][] {plainPrompt, maskedPrompt}) {
            for (CacheMode mode : new CacheMode[] {CacheMode.PREFIX, CacheMode.DUAL}) {
                for (UnmaskPolicy policy : new UnmaskPolicy[] {UnmaskPolicy.fixed(), UnmaskPolicy.threshold(0.3)}) {
                    LladaSampling vanilla = Sampling.llada().steps(16).genLength(32).blockLength(8)
                            .unmaskPolicy(policy).seed(0).build();
                    SamplerOutput expected = vanilla.newSampler(llada.config().maskTokenId())
                            .sample(llada::logits, prompt);
                    int[] calls = new int[2];
                    SamplerOutput cached = vanilla.toBuilder().cache(mode).cacheRefresh(CacheRefresh.perBlock()).build()
                            .newSampler(llada.config().maskTokenId()).sample(refreshEveryStep(calls), prompt);
                    assertThat(cached.ids()).as("%s %s", mode, policy).containsExactly(expected.ids());
                    assertThat(calls[0]).as("one full pass per block").isEqualTo(4);
                    assertThat(calls[0] + calls[1]).isEqualTo(cached.forwardPasses());
                }
            }
        }
    }

    @Test
    void thresholdOneWithRealCacheKeepsOneTokenPerStepAndFinishes() {
        int[] prompt = randomIds(10, 4);
        LladaSampling s = Sampling.llada().steps(32).genLength(32).blockLength(8).threshold(1.0)
                .cache(CacheMode.DUAL).seed(0).build();
        SamplerOutput out = s.newSampler(llada.config().maskTokenId()).sample(llada.asLogitsFunction(), prompt);
        assertThat(out.forwardPasses()).isEqualTo(32);
        assertThat(Arrays.stream(out.ids()).noneMatch(id -> id == llada.config().maskTokenId())).isTrue();
    }

    @Test
    void guidanceWithACacheRefreshedEveryStepReproducesVanillaGuidance() {
        int[] prompt = randomIds(12, 5);
        prompt[0] = 1;
        for (CacheMode mode : new CacheMode[] {CacheMode.PREFIX, CacheMode.DUAL}) {
            LladaSampling vanilla = Sampling.llada().steps(16).genLength(32).blockLength(8).cfgScale(1.5).seed(0).build();
            SamplerOutput expected = vanilla.newSampler(llada.config().maskTokenId()).sample(llada::logits, prompt);
            int[] calls = new int[2];
            SamplerOutput cached = vanilla.toBuilder().cache(mode).cacheRefresh(CacheRefresh.perBlock()).build()
                    .newSampler(llada.config().maskTokenId()).sample(refreshEveryStep(calls), prompt);
            assertThat(cached.ids()).as("%s", mode).containsExactly(expected.ids());
            // the conditional and the unconditional sequence each start their own cache at every block
            assertThat(calls[0]).isEqualTo(2 * 4);
            assertThat(calls[0] + calls[1]).isEqualTo(cached.forwardPasses()).isEqualTo(expected.forwardPasses());
        }
        // with a real cache guidance runs and fills every position
        SamplerOutput real = Sampling.llada().steps(16).genLength(32).blockLength(8).cfgScale(1.5).cache(CacheMode.DUAL)
                .seed(0).build().newSampler(llada.config().maskTokenId()).sample(llada.asLogitsFunction(), prompt);
        assertThat(Arrays.stream(real.ids()).noneMatch(id -> id == llada.config().maskTokenId())).isTrue();
        assertThatThrownBy(() -> CacheMode.parse("full")).hasMessageContaining("none, prefix or dual");
    }
}
