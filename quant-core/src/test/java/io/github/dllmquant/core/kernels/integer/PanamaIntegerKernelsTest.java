package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Panama twin against the scalar specification: identical codes, scales, zeros, sums and
 * bit-identical GEMM outputs (the integer sums are exact and the float epilogue runs in the same
 * order). Runs once per forced vector width (see the quant-core pom).
 */
class PanamaIntegerKernelsTest {

    private static final IntegerKernels SCALAR = ScalarIntegerKernels.INSTANCE;
    private static final IntegerKernels PANAMA = PanamaIntegerKernels.INSTANCE;

    private static final ActivationQuantizer[] QUANTIZERS = {
            ActivationQuantizer.symmetric(8), ActivationQuantizer.asymmetric(8),
            ActivationQuantizer.symmetric(4), ActivationQuantizer.asymmetric(4),
            new ActivationQuantizer(8, true, 0.8f), new ActivationQuantizer(4, false, 0.9f)};

    static float[] activations(Random rnd, int n, boolean ties) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // integers and halves make exact ties when the scale comes out as 1 or 0.5
            x[i] = ties ? (rnd.nextInt(255) - 127) * 0.5f : (float) rnd.nextGaussian() * (i % 29 == 0 ? 30f : 1f);
        }
        return x;
    }

    private static void assertSameQuantization(float[] x, int tokens, int k, int groupSize, ActivationQuantizer aq) {
        QuantizedActivations s = new QuantizedActivations(tokens, k, groupSize);
        QuantizedActivations p = new QuantizedActivations(tokens, k, groupSize);
        SCALAR.quantizePerToken(x, aq, s);
        PANAMA.quantizePerToken(x, aq, p);
        String where = aq + " tokens=" + tokens + " k=" + k + " g=" + groupSize + " bits=" + VectorWidth.BITS;
        assertThat(p.codes()).as(where).containsExactly(s.codes());
        assertThat(p.scales()).as(where).containsExactly(s.scales());
        assertThat(p.zeros()).as(where).containsExactly(s.zeros());
        assertThat(p.sums()).as(where).containsExactly(s.sums());
        assertThat(p.fullNegativeRange()).as(where).isEqualTo(s.fullNegativeRange());
        // the Panama quantizer writes the 16-bit codes in its pass (4 tokens or more), the scalar one leaves them lazy
        assertThat(p.wideCodes()).as(where + " wide codes").containsExactly(s.wideCodes());
    }

    @Test
    void quantizationMatchesScalarOnAwkwardSizes() {
        Random rnd = new Random(11);
        // 16 tokens and more are split over the pool (8 per item)
        int[][] shapes = {{1, 1, 1}, {1, 13, 13}, {3, 207, 69}, {13, 64, 16}, {2, 4098, 2049}, {5, 702, 54}, {1, 33, 11},
                {16, 64, 64}, {37, 130, 65}, {70, 97, 97}};
        for (int[] shape : shapes) {
            for (ActivationQuantizer aq : QUANTIZERS) {
                for (boolean ties : new boolean[]{false, true}) {
                    assertSameQuantization(activations(rnd, shape[0] * shape[1], ties), shape[0], shape[1], shape[2], aq);
                }
            }
        }
    }

    @Test
    void quantizationMatchesScalarOnZeroAndConstantTokens() {
        float[] x = new float[4 * 40];
        for (int i = 40; i < 80; i++) {
            x[i] = 3.25f;
        }
        for (int i = 80; i < 120; i++) {
            x[i] = -1e-40f; // subnormal: the scale underflows
        }
        for (ActivationQuantizer aq : QUANTIZERS) {
            assertSameQuantization(x, 4, 40, 8, aq);
        }
        // the same tokens in a 24-token call (pool split): the constant and subnormal tokens land in other items
        float[] many = new float[24 * 40];
        for (int t = 0; t < 24; t++) {
            System.arraycopy(x, (t % 4) * 40, many, t * 40, 40);
        }
        for (ActivationQuantizer aq : QUANTIZERS) {
            assertSameQuantization(many, 24, 40, 8, aq);
        }
    }

    static QuantizedWeight weight(Random rnd, int out, int in, int bits, int groupSize, boolean symmetric, boolean extremes) {
        int groups = in / groupSize;
        int maxq = (1 << bits) - 1;
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (extremes ? (rnd.nextBoolean() ? 0 : maxq) : rnd.nextInt(maxq + 1));
        }
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int j = 0; j < scales.length; j++) {
            scales[j] = 0.01f + rnd.nextFloat() * 0.02f;
            zeros[j] = symmetric ? 1 << (bits - 1) : rnd.nextInt(maxq + 1);
        }
        return new QuantizedWeight(out, in, bits, groupSize, symmetric, codes, scales, zeros);
    }

    private static void assertSameGemm(Int8Weights w, float[] x, int tokens, ActivationQuantizer aq, String where) {
        QuantizedActivations a = new QuantizedActivations(tokens, w.in(), w.groupSize());
        SCALAR.quantizePerToken(x, aq, a);
        float[] ys = new float[tokens * w.out()];
        float[] yp = new float[tokens * w.out()];
        SCALAR.gemm(w, a, ys, 0, w.out());
        PANAMA.gemm(w, a, yp, 0, w.out());
        boolean pairs = !(w.fullNegativeRange() && a.fullNegativeRange());
        boolean grouped = w.groups() > 1 && pairs && w.zeroCentred() && w.groupSize() % (2 * Int8GroupedTiles.SL) == 0;
        if (!grouped) {
            // exact integer sums, same float epilogue: bit-identical
            assertThat(yp).as(where + " pairs=" + pairs).containsExactly(ys);
            return;
        }
        // grouped kernel (zero-centred weights): exact group sums, float lane accumulation in another order
        int k = w.in();
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < w.out(); o++) {
                double magnitude = 0;
                for (int i = 0; i < k; i++) {
                    magnitude += Math.abs((double) w.scales()[o * w.groups() + i / w.groupSize()] * w.codes()[o * k + i])
                            * (Math.abs(a.codes()[t * k + i]) + Math.abs(a.zeros()[t]));
                }
                magnitude *= a.scales()[t];
                assertThat((double) yp[t * w.out() + o]).as(where + " grouped y[%d][%d]", t, o)
                        .isCloseTo(ys[t * w.out() + o], org.assertj.core.data.Offset.offset(2e-6 * magnitude + 1e-30));
            }
        }
    }

    @Test
    void int8GemmMatchesScalarOnAwkwardShapes() {
        Random rnd = new Random(5);
        // {tokens, out, in, groupSize}
        int[][] shapes = {{1, 1, 32, 32}, {1, 4, 13 * 16, 16}, {13, 1, 64, 64}, {13, 13, 13 * 32, 32},
                {4, 8, 128, 128}, {5, 7, 207, 207}, {207, 6, 96, 48}, {3, 5, 4098, 683}, {2, 9, 130, 13},
                {5, 6, 256, 128}, {13, 9, 512, 64}, {1, 3, 384, 128}, {9, 37, 256, 256}, {6, 40, 130, 130},
                // per channel, K longer than the 16-bit kernel's K block (4096): offsets into the pair layout
                {5, 6, 8262, 8262}};
        for (int[] sh : shapes) {
            for (int bits : new int[]{8, 6, 4}) {
                for (boolean sym : new boolean[]{true, false}) {
                    Int8Weights w = Int8Weights.of(weight(rnd, sh[1], sh[2], bits, sh[3], sym, false));
                    for (ActivationQuantizer aq : QUANTIZERS) {
                        assertSameGemm(w, activations(rnd, sh[0] * sh[2], false), sh[0], aq,
                                "M=" + sh[0] + " N=" + sh[1] + " K=" + sh[2] + " g=" + sh[3] + " w" + bits + " " + aq);
                    }
                }
            }
        }
    }

    @Test
    void int8GemmExactAtBoundaryValues() {
        Random rnd = new Random(8);
        // weights only 0 and 255 (centred −128 and 127), activations clipped to −128 and 127: no pair-summing
        Int8Weights w = Int8Weights.of(weight(rnd, 9, 256, 8, 128, false, true));
        assertThat(w.fullNegativeRange()).isTrue();
        float[] x = new float[7 * 256];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextBoolean() ? 1000f : -1000f;
        }
        ActivationQuantizer clipped = new ActivationQuantizer(8, true, 0.5f);
        QuantizedActivations probe = new QuantizedActivations(7, 256, 128);
        SCALAR.quantizePerToken(x, clipped, probe);
        assertThat(probe.fullNegativeRange()).isTrue();
        assertSameGemm(w, x, 7, clipped, "extremes, unpaired");
        // one side within ±127: pair-summing with the largest possible products
        assertSameGemm(w, x, 7, ActivationQuantizer.symmetric(8), "extremes, paired");
        // the exact integer result: every product is ±(127 or 128)·(127 or 128), checked against long arithmetic
        QuantizedActivations a = new QuantizedActivations(7, 256, 128);
        PANAMA.quantizePerToken(x, clipped, a);
        float[] y = new float[7 * 9];
        PANAMA.gemm(w, a, y, 0, 9);
        for (int t = 0; t < 7; t++) {
            for (int o = 0; o < 9; o++) {
                float acc = 0f;
                for (int g = 0; g < 2; g++) {
                    long exact = 0;
                    for (int i = g * 128; i < (g + 1) * 128; i++) {
                        exact += (long) (w.codes()[o * 256 + i] - w.zeros()[o * 2 + g]) * (a.codes()[t * 256 + i] - a.zeros()[t]);
                    }
                    acc += (float) exact * w.scales()[o * 2 + g];
                }
                assertThat(y[t * 9 + o]).isEqualTo(acc * a.scales()[t]);
            }
        }
    }

    @Test
    void unpairedPerChannelGemmMatchesScalar() {
        // asymmetric 8-bit weights per channel × asymmetric activations (DuQuant's W8A8): both operands reach
        // −128, so the 16-bit kernel shifts the weights by one; tails in K, odd rows, tail tokens, M = 1..3
        // (also on the 16-bit kernel), N = 1
        Random rnd = new Random(17);
        // {tokens, out, in}
        int[][] shapes = {{4, 2, 64}, {5, 7, 207}, {13, 9, 130}, {7, 1, 256}, {1, 3, 128}, {2, 5, 96}, {6, 18, 1000},
                {1, 1, 33}, {11, 6, 2 * VectorWidth.SHORT.length() + 1}, {9, 35, 512},
                {3, 8, 4 * VectorWidth.SHORT.length() + 5}, {2, 3, 2 * VectorWidth.SHORT.length()}, {1, 16, 4096},
                {5, 4, 2 * 4096 + 3}};
        for (int[] sh : shapes) {
            QuantizedWeight q = weight(rnd, sh[1], sh[2], 8, sh[2], false, false);
            q.codes()[rnd.nextInt(q.codes().length)] = 0; // centred −128 at least once
            Int8Weights w = Int8Weights.of(q);
            for (ActivationQuantizer aq : new ActivationQuantizer[]{ActivationQuantizer.asymmetric(8), new ActivationQuantizer(8, false, 0.9f)}) {
                float[] x = activations(rnd, sh[0] * sh[2], false);
                QuantizedActivations probe = new QuantizedActivations(sh[0], sh[2], sh[2]);
                SCALAR.quantizePerToken(x, aq, probe);
                String where = "M=" + sh[0] + " N=" + sh[1] + " K=" + sh[2] + " " + aq;
                assertThat(w.fullNegativeRange() && probe.fullNegativeRange()).as(where + " unpaired").isTrue();
                assertSameGemm(w, x, sh[0], aq, where);
            }
        }
    }

    @Test
    void unpairedPerChannelGemmExactAtMinus128AndColdVsCompiled() {
        ActivationQuantizer clipped = new ActivationQuantizer(8, true, 0.5f);
        Random rnd = new Random(23);
        // all operands −128 (every pair sum exactly 2·16384 before the shift), then extremes only (pair sums
        // of the shifted operand down to −32768); 7 tokens run the 16-bit kernel (and the byte kernels for the
        // odd row), 1 and 3 tokens the byte kernels, which shift the activations instead; the last two cases
        // (K without a tail, 19 rows) run the 16-bit kernel's int-lane epilogue on whole vectors of rows
        for (int c = 0; c < 8; c++) {
            int tokens = new int[]{7, 1, 3, 7}[c / 2];
            int out = c < 6 ? 9 : 19;
            int k = c < 6 ? 4 * VectorWidth.SHORT.length() + 3 : 4 * VectorWidth.SHORT.length();
            boolean allMinus128 = c % 2 == 0;
            QuantizedWeight q = weight(rnd, out, k, 8, k, false, true);
            if (allMinus128) {
                java.util.Arrays.fill(q.codes(), (byte) 0);
            }
            Int8Weights w = Int8Weights.of(q);
            float[] x = new float[tokens * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = allMinus128 || rnd.nextBoolean() ? -1000f : 1000f;
            }
            QuantizedActivations a = new QuantizedActivations(tokens, k, k);
            PANAMA.quantizePerToken(x, clipped, a);
            assertThat(a.fullNegativeRange() && w.fullNegativeRange()).isTrue();
            float[] cold = new float[tokens * out];
            PANAMA.gemm(w, a, cold, 0, out);
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < out; o++) {
                    long exact = 0;
                    for (int i = 0; i < k; i++) {
                        exact += (long) (w.codes()[o * k + i] - w.zeros()[o]) * (a.codes()[t * k + i] - a.zeros()[t]);
                    }
                    assertThat(cold[t * out + o]).as("M=%d y[%d][%d] all -128=%s", tokens, t, o, allMinus128)
                            .isEqualTo((float) exact * w.scales()[o] * a.scales()[t]);
                }
            }
            assertSameGemm(w, x, tokens, clipped, "extremes all -128=" + allMinus128);
            float[] warm = new float[tokens * out];
            for (int i = 0; i < 3000; i++) { // C2 compiles the tiles meanwhile
                PANAMA.gemm(w, a, warm, 0, out);
            }
            assertThat(warm).as("cold vs compiled").containsExactly(cold);
        }
    }

    /**
     * The grouped int8 tiles put short lanes {@code i} and {@code i + IL} of every pair-sum vector into int32 lane
     * {@code i} (the upper half via a scratch reload, not a slicing {@code convertShape(S2I, I, 1)}); the float lanes,
     * hence the bits, depend on that split. This scalar model of the lanes pins it, cold and compiled.
     */
    @Test
    void groupedInt8GemmMatchesItsLaneModelBitForBit() {
        int sl = VectorWidth.SHORT.length();
        int il = VectorWidth.INT.length();
        int groupSize = 4 * sl;
        int k = 3 * groupSize;
        int out = 7; // rows 0-3 by 4-row tiles, 4-6 by 1-row tiles
        Random rnd = new Random(41);
        Int8Weights w = Int8Weights.of(weight(rnd, out, k, 8, groupSize, true, false));
        for (int tokens : new int[]{1, 5}) { // 1: the 1x4 tile; 5: the 4x2 tile, then 1x4 for the last token
            float[] x = activations(rnd, tokens * k, false);
            QuantizedActivations a = new QuantizedActivations(tokens, k, groupSize);
            PANAMA.quantizePerToken(x, ActivationQuantizer.symmetric(8), a);
            assertThat(w.zeroCentred() && !(w.fullNegativeRange() && a.fullNegativeRange())).as("grouped path").isTrue();
            float[] model = new float[tokens * out];
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < out; o++) {
                    float[] lanes = new float[il];
                    for (int g = 0; g < w.groups(); g++) {
                        for (int i = 0; i < il; i++) {
                            int c = 0;
                            for (int l = g * groupSize; l < (g + 1) * groupSize; l += 2 * sl) {
                                for (int e : new int[]{l + i, l + sl + i, l + il + i, l + sl + il + i}) {
                                    c += w.codes()[o * k + e] * a.codes()[t * k + e];
                                }
                            }
                            lanes[i] = Math.fma((float) c, w.scales()[o * w.groups() + g], lanes[i]);
                        }
                    }
                    for (int half = il / 2; half >= 1; half /= 2) {
                        for (int i = 0; i < half; i++) {
                            lanes[i] += lanes[i + half];
                        }
                    }
                    model[t * out + o] = a.scales()[t] * (lanes[0] - a.zeros()[t] * w.zeroCorrection()[o]);
                }
            }
            float[] cold = new float[tokens * out];
            PANAMA.gemm(w, a, cold, 0, out);
            assertThat(cold).as("M=%d cold", tokens).containsExactly(model);
            float[] warm = new float[tokens * out];
            for (int i = 0; i < 3000; i++) { // C2 compiles the tiles meanwhile
                PANAMA.gemm(w, a, warm, 0, out);
            }
            assertThat(warm).as("M=%d compiled", tokens).containsExactly(model);
        }
    }

    @Test
    void rowRangeWritesOnlyItsRows() {
        Random rnd = new Random(2);
        Int8Weights w = Int8Weights.of(weight(rnd, 11, 64, 8, 32, true, false));
        QuantizedActivations a = new QuantizedActivations(5, 64, 32);
        PANAMA.quantizePerToken(activations(rnd, 5 * 64, false), ActivationQuantizer.symmetric(8), a);
        float[] full = new float[5 * 11];
        PANAMA.gemm(w, a, full, 0, 11);
        float[] parts = new float[5 * 11];
        java.util.Arrays.fill(parts, Float.NaN);
        PANAMA.gemm(w, a, parts, 0, 3);
        PANAMA.gemm(w, a, parts, 3, 10);
        PANAMA.gemm(w, a, parts, 10, 11);
        assertThat(parts).containsExactly(full);
    }
}
