package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The int4 GEMM: packing round trip, the scalar int4 path against the scalar int8 path (both exact,
 * so bit-identical outputs), and the Panama twin against the scalar one at this JVM's vector width.
 */
class Int4GemmTest {

    private static final IntegerKernels SCALAR = ScalarIntegerKernels.INSTANCE;
    private static final IntegerKernels PANAMA = PanamaIntegerKernels.INSTANCE;
    private static final int BLOCK = PANAMA.int4Block();

    private static final ActivationQuantizer[] QUANTIZERS = {
            ActivationQuantizer.symmetric(8), ActivationQuantizer.asymmetric(8),
            ActivationQuantizer.symmetric(4), new ActivationQuantizer(4, false, 0.9f), new ActivationQuantizer(8, true, 0.7f)};

    @Test
    void packingKeepsEveryCode() {
        Random rnd = new Random(1);
        for (int block : new int[]{16, 32, 64, 128}) {
            QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, 3, 256, 4, 128, false, false);
            Int4Weights w = Int4Weights.of(q, block);
            for (int o = 0; o < 3; o++) {
                for (int i = 0; i < 256; i++) {
                    assertThat(w.code(o, i)).as("block %d (%d, %d)", block, o, i).isEqualTo(q.code(o, i));
                }
            }
        }
        // ggml order: byte j holds element j (low) and j + 16 (high)
        byte[] codes = new byte[32];
        codes[0] = 3;
        codes[16] = 12;
        Int4Weights w = Int4Weights.of(new QuantizedWeight(1, 32, 4, 32, true, codes, new float[]{1f}, new float[]{8f}), 32);
        assertThat(w.packed()[0] & 0xFF).isEqualTo(3 | 12 << 4);
    }

    @Test
    void rejectsWhatItCannotPack() {
        Random rnd = new Random(1);
        assertThatThrownBy(() -> Int4Weights.of(PanamaIntegerKernelsTest.weight(rnd, 2, 64, 5, 64, true, false), 32))
                .hasMessageContaining("at most 4 bits, got 5");
        assertThatThrownBy(() -> Int4Weights.of(PanamaIntegerKernelsTest.weight(rnd, 2, 96, 4, 48, true, false), 32))
                .hasMessageContaining("group size 48");
    }

    private static float[] gemm(IntegerKernels k, Object w, QuantizedActivations a, int out) {
        float[] y = new float[a.tokens() * out];
        if (w instanceof Int4Weights w4) {
            k.gemm(w4, a, y, 0, out);
        } else {
            k.gemm((Int8Weights) w, a, y, 0, out);
        }
        return y;
    }

    private static void check(QuantizedWeight q, float[] x, int tokens, ActivationQuantizer aq, String where) {
        QuantizedActivations a = new QuantizedActivations(tokens, q.in(), q.groupSize());
        SCALAR.quantizePerToken(x, aq, a);
        Int4Weights w4 = Int4Weights.of(q, BLOCK);
        float[] viaInt8 = gemm(SCALAR, Int8Weights.of(q), a, q.out());
        float[] scalar = gemm(SCALAR, w4, a, q.out());
        float[] panama = gemm(PANAMA, w4, a, q.out());
        assertThat(scalar).as("scalar int4 vs int8, " + where).containsExactly(viaInt8);
        String what = "panama vs scalar, " + where + ", " + VectorWidth.BITS + " bits";
        if (q.groups() == 1 || !w4.zerosInNibbleRange() || Int16Gemm.covers(w4, a)) {
            // per-channel kernel, and the grouped outer-product tiles: the spec's operations per cell, bit-identical
            assertThat(panama).as(what).containsExactly(scalar);
            return;
        }
        // grouped kernel: exact int16 group sums, float accumulation in another order; the bound covers
        // the two float terms it subtracts, Σ sw·(q − z)·c and zc·Σ sw·(q − z)
        for (int t = 0; t < a.tokens(); t++) {
            for (int o = 0; o < q.out(); o++) {
                double magnitude = 0;
                for (int i = 0; i < q.in(); i++) {
                    int g = o * q.groups() + i / q.groupSize();
                    magnitude += Math.abs((double) q.scales()[g] * (q.code(o, i) - q.zeros()[g]))
                            * (Math.abs(a.codes()[t * q.in() + i]) + Math.abs(a.zeros()[t]));
                }
                magnitude *= a.scales()[t];
                assertThat((double) panama[t * q.out() + o]).as(what + " y[%d][%d]", t, o)
                        .isCloseTo(scalar[t * q.out() + o], org.assertj.core.data.Offset.offset(2e-6 * magnitude + 1e-30));
            }
        }
    }

    @Test
    void panamaMatchesScalarOnAwkwardShapes() {
        Random rnd = new Random(21);
        // {tokens, out, groups, group size in blocks}; one per-channel shape spans several int16 flushes
        int[][] shapes = {{1, 1, 1, 1}, {1, 4, 13, 1}, {13, 1, 2, 2}, {13, 13, 13, 1}, {4, 8, 1, 17},
                {207, 5, 3, 1}, {5, 7, 1, 2}, {2, 9, 4, 4}};
        for (int[] sh : shapes) {
            int groupSize = sh[3] * BLOCK;
            int in = sh[2] * groupSize;
            for (int bits : new int[]{4, 3, 2}) {
                for (boolean sym : new boolean[]{true, false}) {
                    QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, sh[1], in, bits, groupSize, sym, false);
                    for (ActivationQuantizer aq : QUANTIZERS) {
                        check(q, PanamaIntegerKernelsTest.activations(rnd, sh[0] * in, false), sh[0], aq,
                                "M=" + sh[0] + " N=" + sh[1] + " K=" + in + " g=" + groupSize + " w" + bits + " " + aq);
                    }
                }
            }
        }
    }

    @Test
    void zeroPointsOutsideTheNibbleRangeUseTheExactKernel() {
        Random rnd = new Random(23);
        QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, 5, 4 * BLOCK, 4, BLOCK, false, false);
        float[] zeros = q.zeros().clone();
        zeros[3] = 40f;
        q = new QuantizedWeight(5, 4 * BLOCK, 4, BLOCK, false, q.codes(), q.scales(), zeros);
        assertThat(Int4Weights.of(q, BLOCK).zerosInNibbleRange()).isFalse();
        check(q, PanamaIntegerKernelsTest.activations(rnd, 6 * 4 * BLOCK, false), 6, ActivationQuantizer.asymmetric(8), "zero 40");
    }

    @Test
    void panamaMatchesScalarAtBoundaryValues() {
        Random rnd = new Random(22);
        int in = 40 * BLOCK; // one group: five int16 flushes with int8 activations
        // nibbles only 0 and 15, zero 0 (products up to 15·128 in every lane) and activations at −128 / 127
        QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, 6, in, 4, in, false, true);
        float[] zeros = new float[6];
        q = new QuantizedWeight(6, in, 4, in, false, q.codes(), q.scales(), zeros);
        float[] x = new float[5 * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextBoolean() ? 1000f : -1000f;
        }
        check(q, x, 5, new ActivationQuantizer(8, true, 0.5f), "extremes a8");
        check(q, x, 5, new ActivationQuantizer(4, true, 0.5f), "extremes a4");
        for (int i = 0; i < x.length; i++) {
            x[i] = -1000f;
        }
        check(q, x, 5, new ActivationQuantizer(8, true, 0.5f), "all -128");
        // the same extremes in groups of one block, zero 15 (q − z = −15 .. 0) and zero 0 mixed
        float[] groupZeros = new float[6 * 40];
        for (int j = 0; j < groupZeros.length; j++) {
            groupZeros[j] = j % 2 == 0 ? 15f : 0f;
        }
        float[] groupScales = new float[6 * 40];
        java.util.Arrays.fill(groupScales, 0.5f);
        QuantizedWeight grouped = new QuantizedWeight(6, in, 4, BLOCK, false, q.codes(), groupScales, groupZeros);
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextBoolean() ? 1000f : -1000f;
        }
        check(grouped, x, 5, new ActivationQuantizer(8, true, 0.5f), "extremes grouped a8");
        check(grouped, x, 5, new ActivationQuantizer(4, false, 1f), "extremes grouped a4 asym");
        // two groups of 20 blocks: several int16 flushes inside each group
        QuantizedWeight long20 = new QuantizedWeight(6, in, 4, 20 * BLOCK, false, q.codes(),
                java.util.Arrays.copyOf(groupScales, 12), java.util.Arrays.copyOf(groupZeros, 12));
        check(long20, x, 5, new ActivationQuantizer(8, true, 0.5f), "extremes, long groups");
    }

    @Test
    void groupedTilesExactAtTheirLaneLimits() {
        Random rnd = new Random(41);
        int sl = Int16Tiles.SL;
        // 8 and 16 vector steps per group: |q − z| = 15 against ±128 activations at the int16 split limits
        for (int steps : new int[]{8, 16}) {
            int groupSize = steps * sl;
            int in = 3 * groupSize;
            int out = 7;
            byte[] codes = new byte[out * in];
            float[] zeros = new float[out * 3];
            float[] scales = new float[out * 3];
            for (int j = 0; j < zeros.length; j++) {
                // q − z = −15 everywhere (zero 15, code 0) or +15 (zero 0, code 15): every product ±1920
                zeros[j] = j % 2 == 0 ? 15f : 0f;
                scales[j] = 0.25f + j;
            }
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    codes[o * in + i] = (byte) (zeros[o * 3 + i / groupSize] == 0f ? 15 : 0);
                }
            }
            QuantizedWeight q = new QuantizedWeight(out, in, 4, groupSize, false, codes, scales, zeros);
            float[] x = new float[9 * in];
            java.util.Arrays.fill(x, -1000f);
            for (int i = 5 * in; i < x.length; i++) {
                x[i] = rnd.nextBoolean() ? 1000f : -1000f;
            }
            check(q, x, 9, new ActivationQuantizer(8, true, 0.5f), "lane limit, " + steps + " steps a8");
            check(q, x, 9, ActivationQuantizer.asymmetric(8), "lane limit, " + steps + " steps a8 asym");
            check(q, x, 9, new ActivationQuantizer(4, true, 0.5f), "lane limit, " + steps + " steps a4");
        }
    }

    @Test
    void groupedBitsDoNotDependOnRowRangeOrJitTier() {
        Random rnd = new Random(31);
        // 9 tokens (two 4-token tiles and a tail), 11 rows (odd), 5 groups: every tile shape of the kernel
        QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, 11, 5 * 2 * BLOCK, 4, 2 * BLOCK, false, false);
        Int4Weights w = Int4Weights.of(q, BLOCK);
        QuantizedActivations a = new QuantizedActivations(9, q.in(), q.groupSize());
        PANAMA.quantizePerToken(PanamaIntegerKernelsTest.activations(rnd, 9 * q.in(), false), ActivationQuantizer.asymmetric(8), a);
        float[] cold = new float[9 * 11];
        PANAMA.gemm(w, a, cold, 0, 11);
        float[] parts = new float[9 * 11];
        java.util.Arrays.fill(parts, Float.NaN);
        PANAMA.gemm(w, a, parts, 0, 3);
        PANAMA.gemm(w, a, parts, 3, 10);
        PANAMA.gemm(w, a, parts, 10, 11);
        assertThat(parts).as("row ranges").containsExactly(cold);
        float[] warm = new float[9 * 11];
        for (int i = 0; i < 3000; i++) { // C2 compiles the tiles meanwhile
            PANAMA.gemm(w, a, warm, 0, 11);
        }
        assertThat(warm).as("cold vs compiled").containsExactly(cold);
    }

    @Test
    void outerTilesEqualTheScalarSpecBitForBitColdAndCompiled() {
        Random rnd = new Random(61);
        int panel = Int4OuterTiles.PANEL;
        // tokens: one 4-tile, tiles + 1-token tails; rows: below, at and past a panel (zero-padded lanes)
        int[][] shapes = {{4, 1}, {5, panel}, {7, panel + 5}, {9, 2 * panel + 1}, {32, 3}};
        for (int[] sh : shapes) {
            for (int groupSize : new int[]{Math.max(32, BLOCK), 2 * Math.max(32, BLOCK), 4 * Math.max(32, BLOCK)}) {
                int in = 3 * groupSize;
                QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, sh[1], in, 4, groupSize, false, sh[0] == 5);
                Int4Weights w = Int4Weights.of(q, BLOCK);
                for (ActivationQuantizer aq : QUANTIZERS) {
                    QuantizedActivations a = new QuantizedActivations(sh[0], in, groupSize);
                    PANAMA.quantizePerToken(PanamaIntegerKernelsTest.activations(rnd, sh[0] * in, false), aq, a);
                    assertThat(Int16Gemm.covers(w, a)).isTrue();
                    String what = "M=" + sh[0] + " N=" + sh[1] + " g=" + groupSize + " " + aq + ", " + VectorWidth.BITS + " bits";
                    float[] scalar = gemm(SCALAR, w, a, sh[1]);
                    assertThat(gemm(PANAMA, w, a, sh[1])).as(what).containsExactly(scalar);
                    float[] parts = new float[sh[0] * sh[1]];
                    java.util.Arrays.fill(parts, Float.NaN);
                    int cut = sh[1] / 3;
                    PANAMA.gemm(w, a, parts, 0, cut);
                    PANAMA.gemm(w, a, parts, cut, sh[1]);
                    assertThat(parts).as(what + ", rows split at " + cut).containsExactly(scalar);
                }
            }
        }
        // compiled: the same call many times (C2 compiles the tiles meanwhile), every result equal to the spec's
        QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, panel + 3, 4 * 128, 4, 128, false, false);
        Int4Weights w = Int4Weights.of(q, BLOCK);
        QuantizedActivations a = new QuantizedActivations(9, q.in(), q.groupSize());
        PANAMA.quantizePerToken(PanamaIntegerKernelsTest.activations(rnd, 9 * q.in(), false), ActivationQuantizer.asymmetric(8), a);
        float[] scalar = gemm(SCALAR, w, a, q.out());
        float[] y = new float[9 * q.out()];
        for (int i = 0; i < 3000; i++) {
            PANAMA.gemm(w, a, y, 0, q.out());
        }
        assertThat(y).as("compiled vs scalar").containsExactly(scalar);
    }
}
