package io.github.dllmquant.core.quant;

import io.github.dllmquant.core.quant.WeightQuantizer.Grid;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Codes computed by hand; ranges chosen so the scales are exact binary numbers. */
class WeightQuantizerTest {

    private static int[] codes(QuantizedWeight q) {
        int[] c = new int[q.out() * q.in()];
        for (int o = 0; o < q.out(); o++) {
            for (int i = 0; i < q.in(); i++) {
                c[o * q.in() + i] = q.code(o, i);
            }
        }
        return c;
    }

    @Test
    void codeRoundsHalfToEvenAndClamps() {
        assertThat(WeightQuantizer.code(2.5f, 1f, 0f, 15)).isEqualTo(2);
        assertThat(WeightQuantizer.code(3.5f, 1f, 0f, 15)).isEqualTo(4);
        assertThat(WeightQuantizer.code(-0.5f, 1f, 8f, 15)).isEqualTo(8);
        assertThat(WeightQuantizer.code(-1.5f, 1f, 8f, 15)).isEqualTo(6);
        assertThat(WeightQuantizer.code(100f, 1f, 8f, 15)).isEqualTo(15);
        assertThat(WeightQuantizer.code(-100f, 1f, 8f, 15)).isZero();
        // 0.25f/0.1f is 2.4999999627 in exact arithmetic but 2.5f in float: the tie goes to even
        assertThat(WeightQuantizer.code(0.25f, 0.1f, 0f, 255)).isEqualTo(2);
    }

    @Test
    void gptqAsymmetricPerChannel() {
        float[] w = {-3.75f, 2.5f, 3.5f, -0.5f, -1.5f, 11.25f, 0f, 1.25f};
        QuantizedWeight q = WeightQuantizer.of(4, -1, false).quantize(w, 1, 8);
        assertThat(q.scales()).containsExactly(1f);
        assertThat(q.zeros()).containsExactly(4f);
        assertThat(codes(q)).containsExactly(0, 6, 8, 4, 2, 15, 4, 5);
        assertThat(q.perChannel()).isTrue();
    }

    @Test
    void gptqSymmetricMapsPlusAbsmaxTo15() {
        float[] w = {-7.5f, 7.5f, 0.5f, 1.5f, -3f};
        QuantizedWeight q = WeightQuantizer.of(4, -1, true).quantize(w, 1, 5);
        assertThat(q.scales()).containsExactly(1f);
        assertThat(q.zeros()).containsExactly(8f);
        assertThat(codes(q)).containsExactly(0, 15, 8, 10, 5);
    }

    @Test
    void gptqSymmetricRowWithoutNegativesKeepsXminZero() {
        // xmin stays 0, so s = 15/15 = 1 (not 2·15/15) and values above z + 7 clip
        float[] w = {0f, 3.75f, 7.5f, 15f};
        QuantizedWeight q = WeightQuantizer.of(4, -1, true).quantize(w, 1, 4);
        assertThat(q.scales()).containsExactly(1f);
        assertThat(q.zeros()).containsExactly(8f);
        assertThat(codes(q)).containsExactly(8, 12, 15, 15);
    }

    @Test
    void allZeroGroupsQuantizeWithoutNaN() {
        float[] w = new float[8];
        for (Grid grid : Grid.values()) {
            for (boolean sym : new boolean[]{true, false}) {
                for (boolean mse : new boolean[]{true, false}) {
                    QuantizedWeight q = new WeightQuantizer(4, 4, sym, grid, mse).quantize(w, 2, 4);
                    assertThat(q.dequantize()).as(grid + " sym=" + sym + " mse=" + mse).containsOnly(0f);
                    for (float s : q.scales()) {
                        assertThat(s).isFinite().isPositive();
                    }
                }
            }
        }
        GroupParams gptq = WeightQuantizer.of(4, -1, true).params(w, 2, 4, 0, 4);
        assertThat(gptq.scale(0)).isEqualTo(2f / 15f);
        assertThat(gptq.zero(0)).isEqualTo(8f);
    }

    @Test
    void awqAsymmetricUsesTrueExtremesAndClampsTheZero() {
        WeightQuantizer awq = new WeightQuantizer(4, -1, false, Grid.AWQ, false);
        QuantizedWeight q = awq.quantize(new float[]{-1f, 0f, 14f, 1f, 16f, 16f}, 2, 3);
        assertThat(q.scales()).containsExactly(1f, 1f);
        assertThat(q.zeros()).containsExactly(1f, 0f);
        assertThat(codes(q)).containsExactly(0, 1, 15, 1, 15, 15);
    }

    @Test
    void quarotSignedMaxOverSevenStoredWithZero8() {
        WeightQuantizer quarot = new WeightQuantizer(4, -1, true, Grid.QUAROT, false);
        QuantizedWeight q = quarot.quantize(new float[]{-7f, 3.5f, 2.5f, 0.5f, 7f}, 1, 5);
        assertThat(q.scales()).containsExactly(1f);
        assertThat(q.zeros()).containsExactly(8f);
        assertThat(codes(q)).containsExactly(1, 12, 10, 8, 15);
        assertThat(q.dequantize()).containsExactly(-7f, 4f, 2f, 0f, 7f);
    }

    @Test
    void perGroupScalesEachGroupOnItsOwn() {
        float[] w = {-3.75f, 0f, 11.25f, 1.25f, -30f, 0f, 90f, 10f};
        QuantizedWeight grouped = WeightQuantizer.of(4, 4, false).quantize(w, 1, 8);
        assertThat(grouped.groups()).isEqualTo(2);
        assertThat(grouped.scales()).containsExactly(1f, 8f);
        assertThat(grouped.zeros()).containsExactly(4f, 4f);
        assertThat(codes(grouped)).containsExactly(0, 4, 15, 5, 0, 4, 15, 5);
        QuantizedWeight channel = WeightQuantizer.of(4, -1, false).quantize(w, 1, 8);
        assertThat(channel.scales()).containsExactly(8f);
        assertThat(codes(channel)).containsExactly(4, 4, 5, 4, 0, 4, 15, 5);
        assertThatThrownBy(() -> WeightQuantizer.of(4, 3, false).quantize(w, 1, 8)).hasMessageContaining("does not divide");
    }

    @Test
    void paramsCoverTheAskedColumnsOnly() {
        float[] w = {100f, -3.75f, 11.25f, 0f, 100f, 1f, 16f, 100f};
        GroupParams p = new WeightQuantizer(4, -1, false, Grid.AWQ, false).params(w, 2, 4, 1, 2);
        assertThat(p.scales()).containsExactly(1f, 1f);
        assertThat(p.zeros()).containsExactly(4f, 0f);
        assertThatThrownBy(() -> WeightQuantizer.of(4, -1, false).params(w, 2, 4, 3, 2)).hasMessageContaining("[3, 5)");
    }

    @Test
    void nonFiniteWeightsAreNamed() {
        float[] w = {1f, 2f, 3f, Float.NaN};
        assertThatThrownBy(() -> WeightQuantizer.of(4, -1, true).quantize(w, 2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN at row 1, column 1");
        w[3] = Float.NEGATIVE_INFINITY;
        assertThatThrownBy(() -> WeightQuantizer.of(4, -1, true).quantize(w, 2, 2)).hasMessageContaining("-Infinity at row 1");
    }

    @Test
    void mseClipSearchNeverWorsensAndHelpsHeavyTails() {
        Random rnd = new Random(7);
        int out = 16;
        int in = 128;
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * (i % 37 == 0 ? 8 : 1));
        }
        for (Grid grid : Grid.values()) {
            for (boolean sym : new boolean[]{true, false}) {
                WeightQuantizer plain = new WeightQuantizer(3, 64, sym, grid, false);
                float[] a = plain.quantize(w, out, in).dequantize();
                float[] b = plain.withMseClip(true).quantize(w, out, in).dequantize();
                double total0 = 0;
                double total1 = 0;
                for (int o = 0; o < out; o++) {
                    for (int g = 0; g < 2; g++) {
                        double e0 = 0;
                        double e1 = 0;
                        for (int k = 0; k < 64; k++) {
                            int i = o * in + g * 64 + k;
                            e0 += Math.pow(Math.abs(a[i] - w[i]), 2.4);
                            e1 += Math.pow(Math.abs(b[i] - w[i]), 2.4);
                        }
                        assertThat(e1).as(grid + " sym=" + sym + " row " + o).isLessThanOrEqualTo(e0 * (1 + 1e-5));
                        total0 += e0;
                        total1 += e1;
                    }
                }
                assertThat(total1).as(grid + " sym=" + sym).isLessThan(0.95 * total0);
            }
        }
    }

    @Test
    void parallelClipSearchEqualsRowByRow() {
        int out = 64;
        int in = 512;
        float[] w = new float[out * in];
        Random rnd = new Random(13);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * (i % 53 == 0 ? 6 : 1));
        }
        WeightQuantizer q = new WeightQuantizer(4, -1, false, Grid.GPTQ_MINMAX, true);
        QuantizedWeight all = q.quantize(w, out, in); // 32768 elements: rows searched in parallel
        for (int o = 0; o < out; o++) {
            float[] row = java.util.Arrays.copyOfRange(w, o * in, (o + 1) * in);
            QuantizedWeight one = q.quantize(row, 1, in); // 512 elements: serial
            assertThat(one.scales()[0]).isEqualTo(all.scales()[o]);
            assertThat(one.zeros()[0]).isEqualTo(all.zeros()[o]);
            assertThat(one.codes()).containsExactly(java.util.Arrays.copyOfRange(all.codes(), o * in, (o + 1) * in));
        }
    }

    @Test
    void dequantizedGptqErrorIsWithinHalfAStep() {
        Random rnd = new Random(3);
        float[] w = new float[8 * 256];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        QuantizedWeight q = WeightQuantizer.of(4, 128, false).quantize(w, 8, 256);
        float[] d = q.dequantize();
        for (int i = 0; i < w.length; i++) {
            float s = q.scales()[(i / 256) * 2 + (i % 256) / 128];
            assertThat(Math.abs(d[i] - w[i])).isLessThanOrEqualTo(s / 2 * 1.0001f);
        }
    }
}
