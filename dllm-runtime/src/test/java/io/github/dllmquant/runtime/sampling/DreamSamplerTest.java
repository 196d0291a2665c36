package io.github.dllmquant.runtime.sampling;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Dream sampler on synthetic models whose outcome can be worked out by hand. */
class DreamSamplerTest {

    private static final int MASK = 7;
    private static final int VOCAB = 8;

    /**
     * A model whose raw output row {@code r} is {@code log(dist[r + 1])}: after Dream's shift, position
     * {@code p} is predicted from row {@code p − 1}, so position {@code p} gets distribution {@code dist[p]}.
     */
    private static LogitsFunction distributions(double[][] dist) {
        return ids -> {
            float[] logits = new float[ids.length * VOCAB];
            for (int r = 0; r < ids.length; r++) {
                double[] d = r + 1 < dist.length ? dist[r + 1] : null;
                for (int v = 0; v < VOCAB; v++) {
                    double p = d == null || v >= d.length ? 0 : d[v];
                    logits[r * VOCAB + v] = p == 0 ? -1e4f : (float) Math.log(p);
                }
            }
            return logits;
        };
    }

    @Test
    void timestepsAndTransferCountsFollowTheSchedule() {
        DreamSampling s = Sampling.dream().steps(8).genLength(8).algorithm(DreamAlgorithm.ENTROPY).build();
        assertThat(s.timestep(0)).isEqualTo(1.0);
        assertThat(s.timestep(8)).isCloseTo(1e-3, Offset.offset(1e-15));
        // first step: 8·(1 − 0.875125/1) = 8·0.124875 = 0.999 → 0 (the spec's example)
        assertThat(s.transferCount(0, 8)).isZero();
        // step 4: t = 0.5005, s = 0.375625, 8·(1 − s/t) = 1.996 → 1
        assertThat(s.transferCount(4, 8)).isEqualTo(1);
        assertThat(s.transferCount(7, 5)).isEqualTo(5);
        assertThatThrownBy(() -> s.timestep(9)).hasMessage("timestep index must be in 0..8, got 9");
        assertThatThrownBy(() -> Sampling.dream().eps(1).build()).hasMessage("eps must be in (0, 1), got 1.0");
        assertThatThrownBy(() -> Sampling.dream().topP(0).build()).hasMessageContaining("topP");
        assertThatThrownBy(() -> Sampling.dream().topK(0).build()).hasMessageContaining("topK");
        DreamSampling full = Sampling.dream().steps(3).genLength(4).algorithm(DreamAlgorithm.TOPK_MARGIN).algTemp(0.5)
                .temperature(0.3).topP(0.9).topK(5).eps(0.01).seed(3).build();
        assertThat(full.toBuilder().build()).isEqualTo(full);
    }

    @Test
    void logitsAreShiftedByOnePosition() {
        double[][] dist = {{}, {}, {0, 0, 0.9, 0.1}, {0, 0, 0, 0, 0.8, 0.2}, {0.7, 0.3}};
        for (DreamAlgorithm alg : DreamAlgorithm.values()) {
            SamplerOutput o = Sampling.dream().steps(3).genLength(3).algorithm(alg).build().newSampler(MASK)
                    .sample(distributions(dist), new int[] {5, 6});
            assertThat(o.ids()).as(alg.referenceName()).containsExactly(5, 6, 2, 4, 0);
        }
    }

    @Test
    void eachAlgorithmRanksByItsOwnConfidence() {
        // A = [0.6, 0.4]: p 0.6, margin 0.2, neg. entropy −0.673
        // B = [0.5, 0.1, 0.2, 0.2]: p 0.5, margin 0.3, neg. entropy −1.221
        // C = uniform over 4: p 0.25, margin 0, neg. entropy −1.386 (never first)
        double[][] dist = {{}, {0.6, 0.4}, {0.5, 0.1, 0.2, 0.2}, {0.25, 0.25, 0.25, 0.25}};
        assertThat(firstStep(dist, DreamAlgorithm.MASKGIT_PLUS).positions()).containsExactly(1);
        assertThat(firstStep(dist, DreamAlgorithm.TOPK_MARGIN).positions()).containsExactly(2);
        assertThat(firstStep(dist, DreamAlgorithm.ENTROPY).positions()).containsExactly(1);
    }

    /** Steps 2, 3 masked positions: step 0 unmasks floor(3·0.4995) = 1 position. */
    private static StepEvent firstStep(double[][] dist, DreamAlgorithm alg) {
        List<StepEvent> events = new ArrayList<>();
        SamplerOutput o = Sampling.dream().steps(2).genLength(3).algorithm(alg).build().newSampler(MASK)
                .sample(distributions(dist), new int[] {5}, events::add, new CancellationToken());
        assertThat(o.ids()).containsExactly(5, 0, 0, 0);
        assertThat(events).hasSize(2);
        assertThat(events.get(1).positions()).hasSize(2);
        return events.getFirst();
    }

    @Test
    void stepsThatUnmaskNothingRunNoForwardPass() {
        double[][] dist = new double[10][];
        for (int p = 1; p < dist.length; p++) {
            dist[p] = new double[] {0, 0.9, 0.1};
        }
        List<StepEvent> events = new ArrayList<>();
        SamplerOutput o = Sampling.dream().steps(8).genLength(8).algorithm(DreamAlgorithm.MASKGIT_PLUS).build()
                .newSampler(MASK).sample(distributions(dist), new int[] {1}, events::add, new CancellationToken());
        // counts per step for N = 8, 8 steps: 0,1,1,1,1,1,1(…) until the last takes the rest
        int[] expected = new int[8];
        int masked = 8;
        DreamSampling s = Sampling.dream().steps(8).genLength(8).algorithm(DreamAlgorithm.MASKGIT_PLUS).build();
        int executed = 0;
        for (int i = 0; i < 8; i++) {
            int n = s.transferCount(i, masked);
            masked -= n;
            if (n > 0) {
                expected[executed++] = n;
            }
        }
        assertThat(o.forwardPasses()).isEqualTo(executed).isLessThan(8);
        assertThat(events).extracting(e -> e.positions().length)
                .containsExactly(java.util.Arrays.stream(expected, 0, executed).boxed().toArray(Integer[]::new));
        assertThat(o.generatedIds()).containsOnly(1);
    }

    @Test
    void originUnmasksEachPositionWithProbabilityOneMinusSOverT() {
        int n = 400;
        double[][] dist = new double[n + 2][];
        for (int p = 1; p < dist.length; p++) {
            dist[p] = new double[] {0.1, 0.9};
        }
        DreamSampling s = Sampling.dream().steps(4).genLength(n).algorithm(DreamAlgorithm.ORIGIN).seed(11).build();
        List<StepEvent> events = new ArrayList<>();
        SamplerOutput o = s.newSampler(MASK).sample(distributions(dist), new int[] {1}, events::add,
                new CancellationToken());
        double p = 1 - s.timestep(1) / s.timestep(0); // 0.24975
        double sd = Math.sqrt(n * p * (1 - p));
        assertThat((double) events.getFirst().positions().length).isCloseTo(n * p, Offset.offset(5 * sd));
        assertThat(o.generatedIds()).containsOnly(1);
        assertThat(events).hasSize(4);
    }

    @Test
    void temperatureTopPAndTopKShapeTheTokenDistribution() {
        double[][] dist = {{}, {0.1, 0.2, 0.3, 0.4}};
        // plain: the distribution itself; top-p 0.5 keeps 0.4 and 0.3 (mass before 0.3 is 0.4 <= 0.5);
        // top-k 3 keeps 0.4, 0.3, 0.2; temperature 2 flattens to sqrt(p)
        double r = Math.sqrt(0.1) + Math.sqrt(0.2) + Math.sqrt(0.3) + Math.sqrt(0.4);
        checkDistribution(Sampling.dream().temperature(1), dist, new double[] {0.1, 0.2, 0.3, 0.4});
        checkDistribution(Sampling.dream().temperature(1).topP(0.5), dist, new double[] {0, 0, 3 / 7.0, 4 / 7.0});
        checkDistribution(Sampling.dream().temperature(1).topK(3), dist, new double[] {0, 2 / 9.0, 3 / 9.0, 4 / 9.0});
        checkDistribution(Sampling.dream().temperature(2), dist, new double[] {Math.sqrt(0.1) / r,
                Math.sqrt(0.2) / r, Math.sqrt(0.3) / r, Math.sqrt(0.4) / r});
    }

    private static void checkDistribution(DreamSampling.Builder builder, double[][] dist, double[] expected) {
        int draws = 3000;
        int[] counts = new int[VOCAB];
        for (int seed = 0; seed < draws; seed++) {
            DreamSampling s = builder.steps(1).genLength(1).algorithm(DreamAlgorithm.MASKGIT_PLUS).seed(seed).build();
            counts[s.newSampler(MASK).sample(distributions(dist), new int[] {0}).ids()[1]]++;
        }
        for (int v = 0; v < expected.length; v++) {
            double sd = Math.sqrt(draws * expected[v] * (1 - expected[v]));
            assertThat((double) counts[v]).as("token %d", v).isCloseTo(draws * expected[v], Offset.offset(4.5 * sd + 1e-9));
        }
    }

    @Test
    void algTempSamplesPositionsFromSoftmaxOfConfidence() {
        // maskgit_plus confidences 0.9, 0.6, 0.3 at positions 1..3; alg_temp 0.5 → weights exp(2c)
        double[][] dist = {{}, {0.9, 0.1}, {0.6, 0.4}, {0.3, 0.2, 0.2, 0.2, 0.1}};
        double[] w = {Math.exp(1.8), Math.exp(1.2), Math.exp(0.6)};
        double total = w[0] + w[1] + w[2];
        int runs = 3000;
        int[] first = new int[4];
        for (int seed = 0; seed < runs; seed++) {
            List<StepEvent> events = new ArrayList<>();
            Sampling.dream().steps(2).genLength(3).algorithm(DreamAlgorithm.MASKGIT_PLUS).algTemp(0.5).seed(seed)
                    .build().newSampler(MASK).sample(distributions(dist), new int[] {4}, events::add,
                            new CancellationToken());
            first[events.getFirst().positions()[0]]++;
        }
        for (int p = 1; p <= 3; p++) {
            double e = w[p - 1] / total;
            assertThat((double) first[p]).isCloseTo(runs * e, Offset.offset(4.5 * Math.sqrt(runs * e * (1 - e))));
        }
    }

    @Test
    void aSeedRepeatsTheRunAndCancellationStopsIt() {
        double[][] dist = new double[12][];
        for (int p = 1; p < dist.length; p++) {
            dist[p] = new double[] {0.2, 0.3, 0.1, 0.4 - p * 0.01, p * 0.01};
        }
        DreamSampling s = Sampling.dream().steps(5).genLength(10).algorithm(DreamAlgorithm.ENTROPY).temperature(0.8)
                .topP(0.95).seed(5).build();
        int[] a = s.newSampler(MASK).sample(distributions(dist), new int[] {1}).ids();
        int[] b = s.newSampler(MASK).sample(distributions(dist), new int[] {1}).ids();
        assertThat(a).containsExactly(b);

        CancellationToken token = new CancellationToken();
        token.cancel();
        assertThatThrownBy(() -> s.newSampler(MASK).sample(distributions(dist), new int[] {1}, StepListener.NONE, token))
                .isInstanceOf(GenerationCancelledException.class);
    }
}
