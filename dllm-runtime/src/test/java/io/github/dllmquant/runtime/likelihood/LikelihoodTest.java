package io.github.dllmquant.runtime.likelihood;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.runtime.model.DiffusionLm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Masked NLL at ratios, windows, the Monte Carlo ELBO and multiple choice on the bundled LLaDA model. */
class LikelihoodTest {

    private static final int[] SEQ = {116, 454, 328, 44, 642, 304, 376, 821, 723, 10, 474, 293, 775, 32, 363, 45,
            103, 303, 640, 982, 275, 375, 443, 824};
    private static DiffusionLm model;
    private static MaskedNll nll;

    @BeforeAll
    static void load() throws Exception {
        model = DiffusionLm.load(Path.of("../examples/models/tiny-llada"));
        nll = new MaskedNll(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void crossEntropyIsLogSumExpMinusTheTarget() {
        float[] logits = {0f, 1f, 2f, 100f, 101f};
        // rows 0..1 of width 2 and row [100, 101]: −log softmax
        assertThat(MaskedNll.crossEntropy(logits, 0, 2, 1)).isCloseTo(Math.log(1 + Math.exp(-1)), within(1e-12));
        assertThat(MaskedNll.crossEntropy(logits, 3, 2, 0)).isCloseTo(Math.log(1 + Math.exp(1)), within(1e-12));
        assertThatThrownBy(() -> MaskedNll.crossEntropy(logits, 0, 2, 2)).hasMessageContaining("token id 2");
    }

    @Test
    void randomMasksFollowTheRatioAndMaskAtLeastOne() {
        SplittableRandom r = new SplittableRandom(1);
        boolean[] tiny = MaskedNll.randomMask(50, 1e-9, r);
        assertThat(count(tiny)).isEqualTo(1);
        assertThat(count(MaskedNll.randomMask(50, 1.0, r))).isEqualTo(50);
        int total = 0;
        for (int i = 0; i < 200; i++) {
            total += count(MaskedNll.randomMask(100, 0.3, r));
        }
        assertThat(total / 20000.0).isCloseTo(0.3, within(0.02));
        assertThatThrownBy(() -> MaskedNll.randomMask(10, 0, r)).hasMessageContaining("mask ratio");
    }

    @Test
    void scoreAtRatioIsScoreWithTheSeededMask() {
        NllResult a = nll.scoreAtRatio(SEQ, 0.5, 42);
        NllResult b = nll.score(SEQ, MaskedNll.randomMask(SEQ.length, 0.5, new SplittableRandom(42)));
        assertThat(a).isEqualTo(b);
        assertThat(a.maskedCount()).isPositive();
        assertThat(nll.scoreAtRatio(SEQ, 0.5, 43)).isNotEqualTo(a);
        // masking more hides more context: at ratio 1 the mean NLL is higher than at 0.15 on average over seeds
        double low = 0;
        double high = 0;
        for (int s = 0; s < 8; s++) {
            low += nll.scoreAtRatio(SEQ, 0.15, s).mean();
            high += nll.scoreAtRatio(SEQ, 1.0, s).mean();
        }
        assertThat(high).isGreaterThan(low);
    }

    @Test
    void windowsSumTheirScoresAndReportProgress() {
        int[] tokens = new int[SEQ.length * 2 + 5];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = SEQ[i % SEQ.length];
        }
        List<Progress> updates = new ArrayList<>();
        NllResult all = nll.windows(tokens, SEQ.length, 0.4, 9, updates::add);
        SplittableRandom r = new SplittableRandom(9);
        NllResult first = nll.score(SEQ, MaskedNll.randomMask(SEQ.length, 0.4, r));
        NllResult second = nll.score(SEQ, MaskedNll.randomMask(SEQ.length, 0.4, r));
        assertThat(all.nllSum()).isCloseTo(first.nllSum() + second.nllSum(), within(1e-9));
        assertThat(all.maskedCount()).isEqualTo(first.maskedCount() + second.maskedCount());
        assertThat(updates).extracting(Progress::done).containsExactly(1L, 2L);
        assertThat(MaskedNll.heldOut(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.1)).containsExactly(10);
    }

    @Test
    void interruptionStopsAnEvaluation() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> nll.windows(SEQ, 8, 0.5, 1, ProgressListener.NONE))
                    .isInstanceOf(CancellationException.class);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void elboOfOneTokenIsItsExactLogProbability() {
        int[] prompt = java.util.Arrays.copyOf(SEQ, 10);
        int[] answer = {SEQ[10]};
        int[] seq = java.util.Arrays.copyOf(SEQ, 11);
        double exact = -nll.score(seq, new int[] {10}).nllSum();
        Elbo elbo = new Elbo(model);
        assertThat(elbo.logLikelihood(prompt, answer, 3, 5, ProgressListener.NONE)).isCloseTo(exact, within(1e-9));
    }

    @Test
    void elboOfTwoTokensAveragesTheThreeMaskingOutcomes() {
        int[] prompt = java.util.Arrays.copyOf(SEQ, 10);
        int[] answer = {SEQ[10], SEQ[11]};
        int[] seq = java.util.Arrays.copyOf(SEQ, 12);
        // l = 1 masks one of the two (weight 2), l = 2 masks both (weight 1)
        double onlyFirst = 2 * nll.score(seq, new int[] {10}).nllSum();
        double onlySecond = 2 * nll.score(seq, new int[] {11}).nllSum();
        double both = nll.score(seq, new int[] {10, 11}).nllSum();
        Elbo elbo = new Elbo(model);
        for (long seed = 0; seed < 6; seed++) {
            double single = -elbo.logLikelihood(prompt, answer, 1, seed, ProgressListener.NONE);
            assertThat(List.of(onlyFirst, onlySecond, both)).anySatisfy(v -> assertThat(single).isCloseTo(v, within(1e-9)));
        }
        // l is 1 or 2 with probability 1/2, the single masked position uniform: the expectation
        double expected = -(0.5 * (onlyFirst + onlySecond) / 2 + 0.5 * both);
        double estimate = elbo.logLikelihood(prompt, answer, 400, 11, ProgressListener.NONE);
        double spread = Math.max(Math.abs(onlyFirst - both), Math.abs(onlySecond - both));
        assertThat(estimate).isCloseTo(expected, within(0.15 * spread + 1e-9));
    }

    @Test
    void multipleChoicePrefersTheTrueContinuation() {
        int[] prompt = java.util.Arrays.copyOf(SEQ, 16);
        int[] truth = java.util.Arrays.copyOfRange(SEQ, 16, 22);
        int[] noise = {900, 13, 700, 555, 901, 77};
        Elbo elbo = new Elbo(model);
        Elbo.Choice byMask = elbo.chooseByFullMask(prompt, List.of(noise, truth));
        assertThat(byMask.best()).isEqualTo(1);
        Elbo.Choice byElbo = elbo.choose(prompt, List.of(noise, truth), 16, 3, ProgressListener.NONE);
        assertThat(byElbo.best()).isEqualTo(1);
        assertThat(byElbo.scores()[1]).isGreaterThan(byElbo.scores()[0]);
    }

    private static int count(boolean[] m) {
        int c = 0;
        for (boolean b : m) {
            c += b ? 1 : 0;
        }
        return c;
    }
}
