package io.github.dllmquant.methods.analysis;

import io.github.dllmquant.core.spi.GroupRole;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class GroupActivationStatsTest {

    @Test
    void findsPlantedChannelAndTokenOutliers() {
        int tokens = 6;
        int channels = 4;
        float[] x = new float[tokens * channels];
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < channels; c++) {
                x[t * channels + c] = (t + c) % 2 == 0 ? 1f : -1f;
            }
            x[t * channels + 2] = 50f;          // channel 2 large on every token
        }
        x[3 * channels + 1] = -400f;            // token 3 has a massive value
        GroupActivationStats stats = new GroupActivationStats(0, GroupRole.DOWN, channels);
        stats.add(x, tokens);

        assertThat(stats.maxAbs()).isEqualTo(400f);
        assertThat(stats.channelMax()).containsExactly(1f, 400f, 50f, 1f);
        assertThat(stats.topChannels(2)).containsExactly(1, 2);
        // channel maxima sorted 1, 1, 50, 400 -> median 25.5
        assertThat(stats.medianChannelMax()).isEqualTo(25.5f);
        // token maxima: 50 x5 and 400 -> median 50 -> ratio 8
        assertThat(stats.tokenOutlierRatio()).isCloseTo(8.0, within(1e-12));
    }

    @Test
    void kurtosisOfSymmetricTwoPointDistributionIsOne() {
        float[] x = {1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f};
        GroupActivationStats stats = new GroupActivationStats(0, GroupRole.QKV, 2);
        stats.add(x, 4);
        assertThat(stats.kurtosis()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void kurtosisOfGaussianSampleIsNearThree() {
        SplittableRandom random = new SplittableRandom(7);
        int n = 200_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller keeps the test independent of library samplers
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            x[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        GroupActivationStats stats = new GroupActivationStats(0, GroupRole.QKV, 100);
        stats.add(x, n / 100);
        assertThat(stats.kurtosis()).isCloseTo(3.0, within(0.1));
    }

    @Test
    void rejectsNonFiniteActivationsNamingTheLayer() {
        GroupActivationStats stats = new GroupActivationStats(4, GroupRole.GATE_UP, 2);
        assertThatThrownBy(() -> stats.add(new float[] {0f, Float.NaN}, 1))
                .hasMessageContaining("block 4")
                .hasMessageContaining("GATE_UP")
                .hasMessageContaining("channel 1");
    }

    @Test
    void maskReplacesAboutRatioOfPositionsAndAlwaysAtLeastOne() {
        SplittableRandom random = new SplittableRandom(1);
        int[] window = new int[1000];
        int[] masked = OutlierAnalysis.mask(window, 0.5, 9, random);
        long count = java.util.Arrays.stream(masked).filter(v -> v == 9).count();
        assertThat(count).isBetween(430L, 570L);
        int[] tiny = OutlierAnalysis.mask(new int[] {1, 2}, 1e-9, 9, new SplittableRandom(3));
        assertThat(java.util.Arrays.stream(tiny).filter(v -> v == 9).count()).isEqualTo(1);
    }
}
