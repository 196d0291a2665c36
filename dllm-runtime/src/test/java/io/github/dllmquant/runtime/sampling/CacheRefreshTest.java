package io.github.dllmquant.runtime.sampling;

import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.model.KvCache;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CacheRefresh}: where the samplers renew a KV cache inside a block, what a partial refresh
 * ({@link KvCache#refreshRows}) computes, and that refreshing at every step reproduces vanilla sampling.
 */
class CacheRefreshTest {

    private static DiffusionLm llada;
    private static DiffusionLm dream;

    @BeforeAll
    static void load() throws IOException {
        llada = DiffusionLm.load(Path.of("../examples/models/tiny-llada"));
        dream = DiffusionLm.load(Path.of("../examples/models/tiny-dream"));
    }

    @AfterAll
    static void close() {
        llada.close();
        dream.close();
    }

    private static int[] randomIds(DiffusionLm model, int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = r.nextInt(model.config().vocabSize() - 8); // below the special ids
        }
        return ids;
    }

    /**
     * Records every pass of a sampler as a letter: F a full pass that starts a cache, R a partial refresh
     * (its end row after a colon), C a cached pass; the logits are exact full-forward rows of the current
     * sequence, so the sampler's choices do not depend on the cache.
     */
    private static LogitsFunction recording(DiffusionLm model, List<String> passes) {
        return LogitsFunction.withCache(model::logits, start -> {
            passes.add("F");
            return exactCache(model, model.logits(start), passes);
        });
    }

    private static CachedLogits exactCache(DiffusionLm model, float[] logits, List<String> passes) {
        return new CachedLogits() {
            @Override
            public float[] logits() {
                return logits;
            }

            @Override
            public float[] logits(int[] ids, int from, int to) {
                passes.add("C");
                int vocab = model.vocabSize();
                return Arrays.copyOfRange(model.logits(ids), from * vocab, to * vocab);
            }

            @Override
            public CachedLogits refreshRows(int[] ids, int to) {
                passes.add("R:" + to);
                return exactCache(model, Arrays.copyOf(model.logits(ids), to * model.vocabSize()), passes);
            }
        };
    }

    private static String llada(LladaSampling sampling, int[] prompt) {
        List<String> passes = new ArrayList<>();
        sampling.newSampler(llada.config().maskTokenId()).sample(recording(llada, passes), prompt);
        return String.join(" ", passes);
    }

    @Test
    void refreshPointsOfEveryPolicyOnTheFixedSchedule() {
        int[] prompt = randomIds(llada, 10, 1);
        // 32 positions in blocks of 8 (ends 18, 26, 34, 42 after the 10-token prompt), one position per step
        LladaSampling.Builder oneEach = Sampling.llada().steps(32).genLength(32).blockLength(8).cache(CacheMode.DUAL);
        assertThat(llada(oneEach.cacheRefresh(CacheRefresh.perBlock()).build(), prompt))
                .isEqualTo("F C C C C C C C F C C C C C C C F C C C C C C C F C C C C C C C");
        // the default: once 4 of 8 positions were committed since the last refresh (the last block's end is the
        // sequence's end, so its refresh is a full pass)
        assertThat(llada(oneEach.cacheRefresh(CacheRefresh.standard()).build(), prompt))
                .isEqualTo("F C C C R:18 C C C F C C C R:26 C C C F C C C R:34 C C C F C C C F C C C");
        assertThat(llada(oneEach.cacheRefresh(CacheRefresh.everySteps(3)).build(), prompt))
                .isEqualTo("F C C R:18 C C R:18 C F C C R:26 C C R:26 C F C C R:34 C C R:34 C F C C F C C F C");
        assertThat(llada(oneEach.cacheRefresh(CacheRefresh.afterCommitted(0.25)).build(), prompt))
                .isEqualTo("F C R:18 C R:18 C R:18 C F C R:26 C R:26 C R:26 C F C R:34 C R:34 C R:34 C F C F C F C F C");
        // two positions per step: the refresh comes after two steps
        assertThat(llada(Sampling.llada().steps(16).genLength(32).blockLength(8).cache(CacheMode.DUAL).build(), prompt))
                .isEqualTo("F C R:18 C F C R:26 C F C R:34 C F C F C");
        // a prefix cache recomputes every later row anyway: its refresh is a full pass
        assertThat(llada(Sampling.llada().steps(16).genLength(32).blockLength(8).cache(CacheMode.PREFIX).build(), prompt))
                .isEqualTo("F C F C F C F C F C F C F C F C");
        // guidance renews the conditional and the unconditional cache together
        assertThat(llada(Sampling.llada().steps(8).genLength(16).blockLength(8).cfgScale(1).cache(CacheMode.DUAL).build(),
                prompt)).isEqualTo("F F C C R:18 R:18 C C F F C C F F C C");
    }

    @Test
    void parallelDecodingRefreshesAfterTheCommittedPositionsOfItsSteps() {
        int[] prompt = randomIds(llada, 12, 2);
        for (CacheRefresh refresh : List.of(CacheRefresh.standard(), CacheRefresh.afterCommitted(0.25),
                CacheRefresh.everySteps(2))) {
            LladaSampling s = Sampling.llada().steps(32).genLength(32).blockLength(16).threshold(0.05)
                    .cache(CacheMode.DUAL).cacheRefresh(refresh).build();
            List<String> passes = new ArrayList<>();
            List<StepEvent> events = new ArrayList<>();
            s.newSampler(llada.config().maskTokenId()).sample(recording(llada, passes), prompt, events::add,
                    new CancellationToken());
            assertThat(passes).hasSameSizeAs(events);
            assertThat(events.stream().anyMatch(e -> e.positions().length > 1)).as("threshold 0.05 decodes in parallel")
                    .isTrue();
            // replay: the pass before each step follows from the positions the earlier steps of its block committed
            int steps = 0;
            int committed = 0;
            int block = -1;
            for (int i = 0; i < events.size(); i++) {
                StepEvent e = events.get(i);
                String expected;
                if (e.block() != block) {
                    expected = "F";
                    block = e.block();
                } else if (refresh.due(steps, committed, 16)) {
                    int end = prompt.length + 16 * (block + 1);
                    expected = end == prompt.length + 32 ? "F" : "R:" + end;
                } else {
                    expected = "C";
                }
                assertThat(passes.get(i)).as("%s step %d", refresh, i).isEqualTo(expected);
                if (!expected.equals("C")) {
                    steps = 0;
                    committed = 0;
                }
                steps++;
                committed += e.positions().length;
            }
        }
    }

    @Test
    void dreamRefreshesAtTheSamePointsWithTheRowBeforeTheBlock() {
        int[] prompt = randomIds(dream, 10, 3);
        List<String> passes = new ArrayList<>();
        List<StepEvent> events = new ArrayList<>();
        DreamSampling s = Sampling.dream().steps(32).genLength(32).blockLength(8).algorithm(DreamAlgorithm.ENTROPY)
                .temperature(0).cache(CacheMode.DUAL).cacheRefresh(CacheRefresh.afterCommitted(0.25)).build();
        s.newSampler(dream.config().maskTokenId()).sample(recording(dream, passes), prompt, events::add,
                new CancellationToken());
        assertThat(passes).hasSameSizeAs(events);
        int committed = 0;
        int block = -1;
        for (int i = 0; i < events.size(); i++) {
            StepEvent e = events.get(i);
            String expected;
            if (e.block() != block) {
                expected = "F";
                block = e.block();
            } else if (committed >= 2) {
                int end = prompt.length + 8 * (block + 1);
                expected = end == prompt.length + 32 ? "F" : "R:" + end;
            } else {
                expected = "C";
            }
            assertThat(passes.get(i)).as("step %d", i).isEqualTo(expected);
            committed = expected.equals("C") ? committed + e.positions().length : e.positions().length;
        }
        assertThat(passes).contains("R:18");
    }

    @Test
    void refreshingEveryStepWithTheModelsCacheIsVanilla() {
        int mask = llada.config().maskTokenId();
        int[] prompt = randomIds(llada, 12, 4);
        prompt[0] = llada.config().bosTokenId();
        // one block (the study's protocol): every in-block refresh of a dual cache renews the whole sequence
        for (UnmaskPolicy policy : List.of(UnmaskPolicy.fixed(), UnmaskPolicy.threshold(0.3))) {
            for (double cfg : new double[] {0, 1.5}) {
                LladaSampling vanilla = Sampling.llada().steps(16).genLength(16).unmaskPolicy(policy).cfgScale(cfg)
                        .seed(0).build();
                SamplerOutput expected = vanilla.newSampler(mask).sample(llada::logits, prompt);
                for (CacheRefresh every : List.of(CacheRefresh.everySteps(1), CacheRefresh.afterCommitted(1.0 / 16))) {
                    SamplerOutput cached = vanilla.toBuilder().cache(CacheMode.DUAL).cacheRefresh(every).build()
                            .newSampler(mask).sample(llada.asLogitsFunction(), prompt);
                    assertThat(cached.ids()).as("%s cfg %s %s", policy, cfg, every).containsExactly(expected.ids());
                    assertThat(cached.forwardPasses()).isEqualTo(expected.forwardPasses());
                }
            }
        }
        // blocks with a prefix cache: a refresh recomputes every row
        LladaSampling blocks = Sampling.llada().steps(32).genLength(32).blockLength(8).threshold(0.3).seed(0).build();
        SamplerOutput expected = blocks.newSampler(mask).sample(llada::logits, prompt);
        SamplerOutput cached = blocks.toBuilder().cache(CacheMode.PREFIX).cacheRefresh(CacheRefresh.everySteps(1)).build()
                .newSampler(mask).sample(llada.asLogitsFunction(), prompt);
        assertThat(cached.ids()).containsExactly(expected.ids());
        // Dream, one block
        int[] dreamPrompt = randomIds(dream, 10, 5);
        DreamSampling plain = Sampling.dream().steps(16).genLength(16).algorithm(DreamAlgorithm.ENTROPY).temperature(0)
                .seed(0).build();
        SamplerOutput dreamExpected = plain.newSampler(dream.config().maskTokenId()).sample(dream::logits, dreamPrompt);
        SamplerOutput dreamCached = plain.toBuilder().cache(CacheMode.DUAL).cacheRefresh(CacheRefresh.everySteps(1)).build()
                .newSampler(dream.config().maskTokenId()).sample(dream.asLogitsFunction(), dreamPrompt);
        assertThat(dreamCached.ids()).containsExactly(dreamExpected.ids());
    }

    @Test
    void aPartialRefreshRenewsTheRowsBeforeItsEndAndKeepsTheRest() {
        int[] ids = randomIds(llada, 40, 6);
        int mask = llada.config().maskTokenId();
        Arrays.fill(ids, 16, 40, mask);
        int vocab = llada.vocabSize();
        KvCache cache = llada.startCache(ids);
        // refreshing every row of an unchanged sequence gives the full pass
        assertClose(cache.refreshRows(ids, 40).logits(), llada.logits(ids));
        int[] changed = ids.clone();
        changed[3] = (changed[3] + 1) % (vocab - 8);
        changed[17] = 5; // a committed position of the block 16..24
        KvCache refreshed = cache.refreshRows(changed, 24);
        float[] refreshRows = refreshed.logits();
        assertThat(refreshRows).hasSize(24 * vocab);
        // the refresh pass is rows 0..24 against the old cache's suffix
        assertThat(refreshRows).containsExactly(cache.logits(changed, 0, 24));
        // the new cache holds those rows' fresh K/V: its block rows are the refresh pass's block rows
        assertClose(refreshed.logits(changed, 16, 24), Arrays.copyOfRange(refreshRows, 16 * vocab, 24 * vocab));
        // while the old cache's block rows still see the stale position 3
        float[] stale = cache.logits(changed, 16, 24);
        double diff = 0;
        for (int i = 0; i < stale.length; i++) {
            diff = Math.max(diff, Math.abs(stale[i] - refreshRows[16 * vocab + i]));
        }
        assertThat(diff).isGreaterThan(1e-4);
        assertThatThrownBy(() -> cache.refreshRows(changed, 0)).hasMessageContaining("[0, 0)");
        assertThatThrownBy(() -> cache.refreshRows(new int[3], 2)).hasMessageContaining("40 tokens");
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double maxAbs = 0;
        for (float f : expected) {
            maxAbs = Math.max(maxAbs, Math.abs(f));
        }
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("value %d", i).isCloseTo(expected[i], Offset.offset(1e-4 * maxAbs + 1e-5));
        }
    }

    @Test
    void policiesParseAndDecide() {
        assertThat(CacheRefresh.parse("block")).isEqualTo(CacheRefresh.perBlock());
        assertThat(CacheRefresh.parse(" Steps:4 ")).isEqualTo(CacheRefresh.everySteps(4));
        assertThat(CacheRefresh.parse("committed:0.5")).isEqualTo(CacheRefresh.standard());
        assertThat(CacheRefresh.parse(CacheRefresh.afterCommitted(0.3).spelling())).isEqualTo(CacheRefresh.afterCommitted(0.3));
        // 0.3 · 10 is 3.0000000000000004 in double: three committed positions are enough
        assertThat(CacheRefresh.afterCommitted(0.3).due(1, 3, 10)).isTrue();
        assertThat(CacheRefresh.afterCommitted(0.3).due(5, 2, 10)).isFalse();
        assertThat(CacheRefresh.everySteps(2).due(2, 0, 8)).isTrue();
        assertThat(CacheRefresh.everySteps(2).due(1, 8, 8)).isFalse();
        assertThat(CacheRefresh.perBlock().due(100, 100, 8)).isFalse();
        assertThatThrownBy(() -> CacheRefresh.parse("steps:0")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> CacheRefresh.parse("committed:1.5")).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> CacheRefresh.parse("always")).hasMessageContaining("block, steps:K or committed:F");
        assertThatThrownBy(() -> CacheRefresh.parse("steps:x")).hasMessageContaining("steps:x");
        assertThat(Sampling.llada().build().cacheRefresh()).isEqualTo(CacheRefresh.standard());
        assertThat(Sampling.dream().build().cacheRefresh()).isEqualTo(CacheRefresh.standard());
    }
}
