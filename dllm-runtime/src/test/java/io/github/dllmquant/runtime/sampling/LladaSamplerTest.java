package io.github.dllmquant.runtime.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LLaDA sampler on synthetic models whose outcome can be worked out by hand. */
class LladaSamplerTest {

    private static final int MASK = 9;
    private static final int VOCAB = 10;

    /**
     * A model that predicts, at every position p, token {@code token[p]} with logit {@code weight[p]}
     * and logit 0 for every other token (so the confidence grows with the weight).
     */
    private static LogitsFunction fixed(int[] token, double[] weight) {
        return ids -> {
            float[] logits = new float[ids.length * VOCAB];
            for (int p = 0; p < ids.length; p++) {
                logits[p * VOCAB + token[p]] = (float) weight[p];
            }
            return logits;
        };
    }

    private static List<StepEvent> record(Sampling sampling, LogitsFunction model, int[] prompt, int[] out) {
        List<StepEvent> events = new ArrayList<>();
        SamplerOutput o = sampling.newSampler(MASK).sample(model, prompt, events::add, new CancellationToken());
        System.arraycopy(o.ids(), 0, out, 0, out.length);
        return events;
    }

    @Test
    void transferCountsGiveTheRemainderToTheFirstSteps() {
        assertThat(LladaSampler.transferCounts(5, 3)).containsExactly(2, 2, 1);
        assertThat(LladaSampler.transferCounts(4, 8)).containsExactly(1, 1, 1, 1, 0, 0, 0, 0);
        assertThat(LladaSampler.transferCounts(8, 8)).containsExactly(1, 1, 1, 1, 1, 1, 1, 1);
        assertThat(LladaSampler.transferCounts(7, 2)).containsExactly(4, 3);
    }

    @Test
    void validationNamesTheArguments() {
        assertThatThrownBy(() -> Sampling.llada().genLength(10).blockLength(4).build())
                .hasMessage("genLength 10 is not divisible by blockLength 4");
        assertThatThrownBy(() -> Sampling.llada().genLength(8).blockLength(4).steps(3).build())
                .hasMessage("steps 3 is not divisible by the number of blocks 2 (genLength 8 / blockLength 4)");
        assertThatThrownBy(() -> Sampling.llada().temperature(-1).build()).hasMessageContaining("temperature");
        assertThatThrownBy(() -> Sampling.llada().cfgScale(Double.NaN).build()).hasMessageContaining("cfgScale");
        assertThatThrownBy(() -> Sampling.llada().steps(0).build()).hasMessage("steps must be at least 1, got 0");
        assertThatThrownBy(() -> UnmaskPolicy.threshold(1.5)).hasMessageContaining("threshold");
    }

    @Test
    void toBuilderCopiesEveryField() {
        LladaSampling s = Sampling.llada().steps(16).genLength(16).blockLength(8).temperature(0.7)
                .remasking(Remasking.RANDOM).cfgScale(1.5).threshold(0.9).seed(7).build();
        assertThat(s.toBuilder().build()).isEqualTo(s);
        assertThat(s.toBuilder().steps(8).build().steps()).isEqualTo(8);
        assertThat(Sampling.llada().genLength(32).build().blockLength()).isEqualTo(32);
    }

    @Test
    void greedyUnmasksTheMostConfidentPositionsFirst() {
        // positions 2..5 are generated; confidence order: 3 > 4 > 2 > 5
        int[] token = {0, 0, 4, 5, 6, 7};
        double[] weight = {0, 0, 1, 3, 2, 0.5};
        int[] out = new int[6];
        List<StepEvent> events = record(Sampling.llada().steps(2).genLength(4).build(), fixed(token, weight),
                new int[] {1, 2}, out);
        assertThat(out).containsExactly(1, 2, 4, 5, 6, 7);
        assertThat(events).containsExactly(
                new StepEvent(0, 0, new int[] {3, 4}, new int[] {5, 6}),
                new StepEvent(1, 0, new int[] {2, 5}, new int[] {4, 7}));
    }

    @Test
    void blocksAreFilledLeftToRight() {
        int[] token = {0, 4, 5, 6, 7};
        double[] weight = {0, 1, 2, 3, 4}; // later positions more confident, but block 0 comes first
        int[] out = new int[5];
        List<StepEvent> events = record(Sampling.llada().steps(4).genLength(4).blockLength(2).build(),
                fixed(token, weight), new int[] {1}, out);
        assertThat(out).containsExactly(1, 4, 5, 6, 7);
        assertThat(events).extracting(StepEvent::block).containsExactly(0, 0, 1, 1);
        assertThat(events).extracting(e -> e.positions()[0]).containsExactly(2, 1, 4, 3);
    }

    @Test
    void tiesGoToTheLowestPosition() {
        int[] token = {0, 3, 3, 3, 3};
        double[] weight = {0, 2, 2, 2, 2};
        int[] out = new int[5];
        List<StepEvent> events = record(Sampling.llada().steps(4).genLength(4).build(), fixed(token, weight),
                new int[] {1}, out);
        assertThat(events).extracting(e -> e.positions()[0]).containsExactly(1, 2, 3, 4);
    }

    @Test
    void everyStepSeesTheTokensWrittenBefore() {
        // position p predicts x[p-1] + 1 confidently once x[p-1] is known, else nothing in particular
        LogitsFunction counter = ids -> {
            float[] logits = new float[ids.length * VOCAB];
            for (int p = 1; p < ids.length; p++) {
                if (ids[p - 1] != MASK) {
                    logits[p * VOCAB + (ids[p - 1] + 1) % MASK] = 8;
                }
            }
            return logits;
        };
        int[] out = new int[6];
        record(Sampling.llada().steps(5).genLength(5).build(), counter, new int[] {2}, out);
        assertThat(out).containsExactly(2, 3, 4, 5, 6, 7);
    }

    @Test
    void classifierFreeGuidanceCombinesBothPasses() {
        // with the prompt visible the model prefers token 0 slightly; without it strongly token 0 as well,
        // so guidance (cfg 1: un + 2(cond − un)) moves the choice to token 1
        List<int[]> seen = new ArrayList<>();
        LogitsFunction model = ids -> {
            synchronized (seen) {
                seen.add(ids.clone());
            }
            boolean promptVisible = ids[0] != MASK;
            float[] logits = new float[ids.length * VOCAB];
            for (int p = 0; p < ids.length; p++) {
                logits[p * VOCAB] = 1.0f;
                logits[p * VOCAB + 1] = promptVisible ? 0.9f : 0.0f;
            }
            return logits;
        };
        SamplerOutput plain = Sampling.llada().steps(1).genLength(1).build().newSampler(MASK).sample(model,
                new int[] {5});
        assertThat(plain.ids()).containsExactly(5, 0);
        assertThat(plain.forwardPasses()).isEqualTo(1);
        seen.clear();
        SamplerOutput guided = Sampling.llada().steps(1).genLength(1).cfgScale(1).build().newSampler(MASK)
                .sample(model, new int[] {5});
        assertThat(guided.ids()).containsExactly(5, 1);
        assertThat(guided.forwardPasses()).isEqualTo(2);
        assertThat(seen).containsExactly(new int[] {5, MASK}, new int[] {MASK, MASK});
    }

    @Test
    void gumbelNoiseSamplesFromSoftmaxOfLogitsOverTemperature() {
        // argmax exp(l)/(−log u)^τ draws token v with probability softmax(l/τ)_v
        float[] row = {0f, (float) Math.log(2), (float) Math.log(3), -50f, -50f, -50f, -50f, -50f, -50f, -50f};
        LogitsFunction model = ids -> {
            float[] logits = new float[ids.length * VOCAB];
            System.arraycopy(row, 0, logits, (ids.length - 1) * VOCAB, VOCAB);
            return logits;
        };
        int draws = 4000;
        for (double tau : new double[] {1.0, 0.5}) {
            int[] counts = new int[VOCAB];
            for (int seed = 0; seed < draws; seed++) {
                Sampling s = Sampling.llada().steps(1).genLength(1).temperature(tau).seed(seed).build();
                counts[s.newSampler(MASK).sample(model, new int[] {0}).ids()[1]]++;
            }
            double[] expected = tau == 1.0 ? new double[] {1 / 6.0, 2 / 6.0, 3 / 6.0}
                    : new double[] {1 / 14.0, 4 / 14.0, 9 / 14.0};
            for (int v = 0; v < 3; v++) {
                double sd = Math.sqrt(draws * expected[v] * (1 - expected[v]));
                assertThat((double) counts[v]).as("token %d at tau %s", v, tau)
                        .isCloseTo(draws * expected[v], org.assertj.core.data.Offset.offset(4.5 * sd));
            }
        }
    }

    @Test
    void aSeedRepeatsTheRun() {
        LogitsFunction model = ids -> {
            float[] logits = new float[ids.length * VOCAB];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) Math.sin(i * 0.37) * 2;
            }
            return logits;
        };
        LladaSampling s = Sampling.llada().steps(4).genLength(8).blockLength(4).temperature(1)
                .remasking(Remasking.RANDOM).seed(42).build();
        SamplerOutput a = s.newSampler(MASK).sample(model, new int[] {1, 2});
        SamplerOutput b = s.newSampler(MASK).sample(model, new int[] {1, 2});
        assertThat(a.ids()).containsExactly(b.ids());
        assertThat(a.seed()).isEqualTo(42);
        SamplerOutput fresh = s.toBuilder().randomSeed().build().newSampler(MASK).sample(model, new int[] {1, 2});
        SamplerOutput again = s.toBuilder().seed(fresh.seed()).build().newSampler(MASK).sample(model, new int[] {1, 2});
        assertThat(again.ids()).containsExactly(fresh.ids());
    }

    @Test
    void randomRemaskingPicksTheFirstPositionUniformly() {
        int[] token = {0, 4, 5, 6, 7};
        double[] weight = {0, 9, 1, 1, 1}; // low_confidence would always start at position 1
        int runs = 2000;
        int[] first = new int[5];
        for (int seed = 0; seed < runs; seed++) {
            List<StepEvent> events = new ArrayList<>();
            SamplerOutput o = Sampling.llada().steps(4).genLength(4).remasking(Remasking.RANDOM).seed(seed).build()
                    .newSampler(MASK).sample(fixed(token, weight), new int[] {1}, events::add, new CancellationToken());
            assertThat(o.ids()).containsExactly(1, 4, 5, 6, 7);
            first[events.getFirst().positions()[0]]++;
        }
        double sd = Math.sqrt(runs * 0.25 * 0.75);
        for (int p = 1; p <= 4; p++) {
            assertThat((double) first[p]).isCloseTo(runs / 4.0, org.assertj.core.data.Offset.offset(4.5 * sd));
        }
    }

    @Test
    void cancellationStopsBeforeTheNextForwardPass() {
        AtomicInteger calls = new AtomicInteger();
        LogitsFunction model = ids -> {
            calls.incrementAndGet();
            return new float[ids.length * VOCAB];
        };
        CancellationToken token = new CancellationToken();
        Sampler sampler = Sampling.llada().steps(4).genLength(4).build().newSampler(MASK);
        assertThatThrownBy(() -> sampler.sample(model, new int[] {1}, e -> {
            if (e.step() == 1) {
                token.cancel();
            }
        }, token)).isInstanceOf(GenerationCancelledException.class).hasMessage("generation cancelled before step 2");
        assertThat(calls).hasValue(2);

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> sampler.sample(model, new int[] {1}))
                    .isInstanceOf(GenerationCancelledException.class).hasMessageContaining("interrupted");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void unmaskPolicyCounts() {
        assertThat(UnmaskPolicy.threshold(0.9).count(new double[] {0.95, 0.92, 0.5}, 1)).isEqualTo(2);
        assertThat(UnmaskPolicy.threshold(0.9).count(new double[] {0.5, 0.4}, 1)).isEqualTo(1);
        assertThat(UnmaskPolicy.threshold(0.9).count(new double[] {0.9, 0.9, 0.9}, 1)).isEqualTo(3);
        // factor 1: n = 2 since 3·(1 − 0.8) = 0.6 < 1, but not 3 since 4·(1 − 0.7) = 1.2
        assertThat(UnmaskPolicy.factor(1).count(new double[] {0.9, 0.8, 0.7}, 1)).isEqualTo(2);
        assertThat(UnmaskPolicy.factor(1).count(new double[] {0.1, 0.1}, 1)).isEqualTo(1);
        assertThat(UnmaskPolicy.fixed().count(new double[] {0.1, 0.1, 0.1}, 2)).isEqualTo(2);
    }

    @Test
    void thresholdDecodesConfidentPositionsInOneStep() {
        int[] token = {0, 4, 5, 6, 7, 8};
        double[] weight = {0, 12, 12, 1, 12, 1}; // p ≈ 0.99 at 1, 2, 4; ≈ 0.23 at 3, 5
        int[] out = new int[6];
        List<StepEvent> events = record(Sampling.llada().steps(5).genLength(5).threshold(0.9).build(),
                fixed(token, weight), new int[] {1}, out);
        assertThat(out).containsExactly(1, 4, 5, 6, 7, 8);
        assertThat(events).containsExactly(
                new StepEvent(0, 0, new int[] {1, 2, 4}, new int[] {4, 5, 7}),
                new StepEvent(1, 0, new int[] {3}, new int[] {6}),
                new StepEvent(2, 0, new int[] {5}, new int[] {8}));
    }

    @Test
    void thresholdOneReproducesOneTokenPerStepVanilla() {
        LogitsFunction model = ids -> {
            float[] logits = new float[ids.length * VOCAB];
            int known = 0;
            for (int id : ids) {
                known += id == MASK ? 0 : id;
            }
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) Math.sin(i * 0.61 + known) * 3;
            }
            return logits;
        };
        int[] prompt = {1, 2, 3};
        LladaSampling vanilla = Sampling.llada().steps(8).genLength(8).blockLength(4).build();
        int[] expected = vanilla.newSampler(MASK).sample(model, prompt).ids();
        SamplerOutput threshold = vanilla.toBuilder().threshold(1.0).build().newSampler(MASK).sample(model, prompt);
        assertThat(threshold.ids()).containsExactly(expected);
        assertThat(threshold.steps()).isEqualTo(8);
        assertThat(Arrays.stream(expected).skip(3).noneMatch(t -> t == MASK)).isTrue();
    }
}
