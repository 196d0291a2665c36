package io.github.dllmquant.methods;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CalibrationTest {

    static final int MASK = 999;

    @Test
    void plainWindowsAreConsecutiveSlicesFromTheStart() {
        int[] ids = IntStream.range(0, 1000).toArray();
        List<int[]> w = Calibration.tokens(ids).samples(3).sequenceLength(100).masking(Calibration.Masking.NONE)
                .windows(null, MASK);
        assertThat(w).hasSize(3);
        assertThat(w.get(0)).containsExactly(IntStream.range(0, 100).toArray());
        assertThat(w.get(2)).containsExactly(IntStream.range(200, 300).toArray());
        // fewer tokens than requested windows: as many as fit
        assertThat(Calibration.tokens(ids).samples(50).sequenceLength(300).windows(null, MASK)).hasSize(3);
        assertThatThrownBy(() -> Calibration.tokens(new int[10]).sequenceLength(11).windows(null, MASK))
                .hasMessageContaining("10 tokens, fewer than one window of 11");
    }

    @Test
    void mixedMaskingIsSeededAndUsesOneRatioPerWindow() {
        int[] ids = IntStream.range(0, 64 * 512).map(i -> i % 500).toArray();
        Calibration c = Calibration.tokens(ids).samples(64).sequenceLength(512);
        List<int[]> a = c.windows(null, MASK);
        List<int[]> b = c.windows(null, MASK);
        List<int[]> other = c.seed(1).windows(null, MASK);
        double[] ratios = new double[64];
        for (int i = 0; i < 64; i++) {
            assertThat(a.get(i)).containsExactly(b.get(i));
            long masked = IntStream.of(a.get(i)).filter(t -> t == MASK).count();
            ratios[i] = masked / 512.0;
            for (int p = 0; p < 512; p++) {
                int t = a.get(i)[p];
                assertThat(t == MASK || t == ids[i * 512 + p]).isTrue();
            }
        }
        assertThat(other.get(0)).isNotEqualTo(a.get(0));
        // ratios spread over (0, 1): some windows nearly plain, some nearly all masked
        assertThat(IntStream.range(0, 64).mapToDouble(i -> ratios[i]).min().getAsDouble()).isLessThan(0.2);
        assertThat(IntStream.range(0, 64).mapToDouble(i -> ratios[i]).max().getAsDouble()).isGreaterThan(0.8);

        List<int[]> fixed = Calibration.tokens(ids).samples(4).sequenceLength(4000).maskRatios(1.0, 0.5).windows(null, MASK);
        assertThat(fixed.get(0)).containsOnly(MASK);
        assertThat(fixed.get(2)).containsOnly(MASK);
        long half = IntStream.of(fixed.get(1)).filter(t -> t == MASK).count();
        assertThat(half).isBetween(1800L, 2200L);
    }

    @Test
    void defaultCorpusIsTheTrainingPartOfTheBundledText() {
        Function<String, int[]> chars = s -> s.chars().toArray(); // a character "tokenizer"
        Calibration c = Calibration.defaultCorpus();
        assertThat(c.samples()).isEqualTo(128);
        assertThat(c.sequenceLength()).isEqualTo(128);
        assertThat(c.masking()).isEqualTo(Calibration.Masking.MIXED);
        int[] stream = c.tokenStream(chars);
        assertThat(stream.length).isEqualTo((int) Math.floor(1115394 * (1 - 0.1)));
        assertThat(new String(stream, 0, 14)).isEqualTo("First Citizen:");
        assertThat(Calibration.texts(List.of("ab", "cd")).tokenStream(chars)).containsExactly('a', 'b', 'c', 'd');
    }
}
