package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The panel layout of grouped int4 weights (the only code layout {@link Int4Weights#panelled()} weights hold) and the
 * 1-4 token tiles on it ({@link Int4NibbleTiles}), against the scalar specification bit for bit, cold and compiled; what
 * {@link Int4Weights#bytes()} reports against the arrays actually held; the activation pairs cached per call.
 */
class Int4PanelTest {

    private static final IntegerKernels SCALAR = ScalarIntegerKernels.INSTANCE;
    private static final IntegerKernels PANAMA = PanamaIntegerKernels.INSTANCE;
    private static final int BLOCK = PANAMA.int4Block();
    /** Smallest group size both the packing (a multiple of the block) and the outer tiles (of 32) take. */
    private static final int G = Math.max(32, BLOCK);
    private static final int PANEL = Int4OuterTiles.PANEL;

    private static final ActivationQuantizer[] QUANTIZERS = {
            ActivationQuantizer.symmetric(8), ActivationQuantizer.asymmetric(8),
            ActivationQuantizer.symmetric(4), new ActivationQuantizer(4, false, 0.9f), new ActivationQuantizer(8, true, 0.7f)};

    private static float[] gemm(IntegerKernels k, Int4Weights w, QuantizedActivations a, int rowStart, int rowEnd, float[] y) {
        k.gemm(w, a, y, rowStart, rowEnd);
        return y;
    }

    private static QuantizedActivations quantize(float[] x, int tokens, int in, int groupSize, ActivationQuantizer aq) {
        QuantizedActivations a = new QuantizedActivations(tokens, in, groupSize);
        PANAMA.quantizePerToken(x, aq, a);
        return a;
    }

    /** Panama against the scalar spec, whole and split at {@code out/3} and at a panel edge, bit for bit. */
    private static void assertSpecBits(Int4Weights w, QuantizedActivations a, String what) {
        int out = w.out();
        float[] scalar = gemm(SCALAR, w, a, 0, out, new float[a.tokens() * out]);
        assertThat(gemm(PANAMA, w, a, 0, out, new float[a.tokens() * out])).as(what).containsExactly(scalar);
        for (int cut : new int[]{out / 3, Math.min(out, PANEL + 1)}) {
            float[] parts = new float[a.tokens() * out];
            Arrays.fill(parts, Float.NaN);
            PANAMA.gemm(w, a, parts, 0, cut);
            PANAMA.gemm(w, a, parts, cut, out);
            assertThat(parts).as(what + ", rows split at " + cut).containsExactly(scalar);
        }
    }

    @Test
    void tilesOfEveryTokenCountEqualTheScalarSpecBitForBit() {
        Random rnd = new Random(90);
        // rows: one, below, at and past a panel (zero-padded lanes); groups: 2, 3, 5 (odd counts), long groups;
        // tokens: each tile alone, a 4-tile with a 2-tile, and a second token block (Int16Gemm.TOKEN_BLOCK) with a tail
        int[] outs = {1, 3, PANEL, PANEL + 5, 2 * PANEL + 1};
        int[][] grouping = {{2, G}, {3, G}, {5, G}, {3, 2 * G}, {2, 4 * G}};
        for (int tokens : new int[]{1, 2, 3, 4, 6, Int16Gemm.TOKEN_BLOCK + 5}) {
            for (int out : outs) {
                for (int[] gr : grouping) {
                    int in = gr[0] * gr[1];
                    for (int bits : new int[]{4, 3}) {
                        boolean sym = rnd.nextBoolean();
                        QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, out, in, bits, gr[1], sym, false);
                        Int4Weights w = Int4Weights.of(q, BLOCK);
                        assertThat(w.panelled()).isTrue();
                        for (ActivationQuantizer aq : QUANTIZERS) {
                            QuantizedActivations a = quantize(PanamaIntegerKernelsTest.activations(rnd, tokens * in, false),
                                    tokens, in, gr[1], aq);
                            assertThat(Int16Gemm.covers(w, a)).isTrue();
                            assertSpecBits(w, a, "M=" + tokens + " N=" + out + " K=" + in + " g=" + gr[1] + " w" + bits
                                    + " " + aq + ", " + VectorWidth.BITS + " bits");
                        }
                    }
                }
            }
        }
    }

    @Test
    void tilesExactAtTheInt16Bounds() {
        Random rnd = new Random(91);
        int groupSize = Math.max(G, 64);
        int in = 3 * groupSize;
        int out = PANEL + 3;
        // codes 0 and 15 only, zeros 0 and 15 mixed per group: every product of a 16-step short sum is ±1920 at ±128
        byte[] codes = new byte[out * in];
        float[] zeros = new float[out * 3];
        float[] scales = new float[out * 3];
        for (int j = 0; j < zeros.length; j++) {
            zeros[j] = j % 3 == 0 ? 15f : 0f;
            scales[j] = 0.25f + 0.5f * j;
        }
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                codes[o * in + i] = (byte) ((o + i / 7) % 4 == 0 ? 0 : 15);
            }
        }
        Int4Weights w = Int4Weights.of(new QuantizedWeight(out, in, 4, groupSize, false, codes, scales, zeros), BLOCK);
        for (int tokens : new int[]{1, 2, 3, 4, 7}) {
            float[] low = new float[tokens * in];
            Arrays.fill(low, -1000f);
            float[] mixed = new float[tokens * in];
            for (int i = 0; i < mixed.length; i++) {
                mixed[i] = rnd.nextBoolean() ? 1000f : -1000f;
            }
            for (float[] x : new float[][]{low, mixed}) {
                for (ActivationQuantizer aq : new ActivationQuantizer[]{new ActivationQuantizer(8, true, 0.5f),
                        ActivationQuantizer.asymmetric(8), new ActivationQuantizer(4, true, 0.5f)}) {
                    QuantizedActivations a = quantize(x, tokens, in, groupSize, aq);
                    assertSpecBits(w, a, "extremes M=" + tokens + " " + aq + (x == low ? " all low" : " mixed"));
                }
            }
            // all codes at −128 against code 15, zero 0 (the largest short sums: 16 · 15 · −128 = −30720)
            QuantizedActivations a = quantize(low, tokens, in, groupSize, new ActivationQuantizer(8, true, 0.5f));
            assertThat(a.codes()[0]).isEqualTo((byte) -128);
        }
    }

    @Test
    void tilesGiveTheSpecBitsColdAndCompiled() {
        Random rnd = new Random(92);
        QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, PANEL + 3, 4 * 128, 4, 128, false, false);
        Int4Weights w = Int4Weights.of(q, BLOCK);
        for (int tokens : new int[]{1, 2, 3, 4}) {
            QuantizedActivations a = quantize(PanamaIntegerKernelsTest.activations(rnd, tokens * q.in(), false),
                    tokens, q.in(), q.groupSize(), ActivationQuantizer.asymmetric(8));
            float[] scalar = gemm(SCALAR, w, a, 0, q.out(), new float[tokens * q.out()]);
            float[] y = new float[tokens * q.out()];
            for (int i = 0; i < 3000; i++) { // C2 compiles the tiles meanwhile
                PANAMA.gemm(w, a, y, 0, q.out());
            }
            assertThat(y).as("compiled vs scalar, M=" + tokens).containsExactly(scalar);
        }
    }

    @Test
    void onlyTheWeightsTheOuterTilesTakeArePanelled() {
        Random rnd = new Random(93);
        assertThat(Int4Weights.of(PanamaIntegerKernelsTest.weight(rnd, 5, 4 * G, 4, G, false, false), BLOCK).panelled()).isTrue();
        // one group per row, and a zero point outside [0, 15]: row-major nibbles
        assertThat(Int4Weights.of(PanamaIntegerKernelsTest.weight(rnd, 5, 4 * G, 4, 4 * G, false, false), BLOCK).panelled()).isFalse();
        QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, 5, 4 * G, 4, G, false, false);
        float[] zeros = q.zeros().clone();
        zeros[7] = -1f;
        Int4Weights outside = Int4Weights.of(new QuantizedWeight(5, 4 * G, 4, G, false, q.codes(), q.scales(), zeros), BLOCK);
        assertThat(outside.panelled()).isFalse();
        assertThatThrownBy(outside::panelCodes).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(Int4Weights.of(q, BLOCK)::packed).isInstanceOf(IllegalStateException.class);
        if (BLOCK == 16) { // 128 bits: group 48 packs but is not a whole number of 16-step chunks
            assertThat(Int4Weights.of(PanamaIntegerKernelsTest.weight(rnd, 5, 4 * 48, 4, 48, false, false), 16).panelled()).isFalse();
        }
    }

    @Test
    void panelLayoutKeepsEveryCode() {
        Random rnd = new Random(94);
        for (int out : new int[]{1, PANEL - 1, PANEL + 7}) {
            QuantizedWeight q = PanamaIntegerKernelsTest.weight(rnd, out, 3 * G, 4, G, false, false);
            Int4Weights w = Int4Weights.of(q, BLOCK);
            assertThat(w.panelled()).isTrue();
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < q.in(); i++) {
                    assertThat(w.code(o, i)).as("(%d, %d)", o, i).isEqualTo(q.code(o, i));
                }
                for (int g = 0; g < q.groups(); g++) {
                    int m = w.meta(o, g);
                    assertThat(w.scales()[m]).isEqualTo(q.scales()[o * q.groups() + g]);
                    assertThat((float) w.zeros()[m]).isEqualTo(q.zeros()[o * q.groups() + g]);
                }
            }
        }
    }

    /** Every array field of {@code w}, in bytes: what the object holds beyond its header. */
    private static long arrayBytes(Int4Weights w) throws IllegalAccessException {
        long total = 0;
        for (Field f : Int4Weights.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || !f.getType().isArray()) {
                continue;
            }
            f.setAccessible(true);
            Object v = f.get(w);
            if (v == null) {
                continue;
            }
            Class<?> c = f.getType().getComponentType();
            int size = c == byte.class ? 1 : c == short.class ? 2 : c == long.class || c == double.class ? 8 : 4;
            total += (long) java.lang.reflect.Array.getLength(v) * size;
        }
        return total;
    }

    @Test
    void bytesCountEveryArrayHeldAfterCallsOfEveryTokenCount() throws IllegalAccessException {
        Random rnd = new Random(95);
        int in = 4 * 128;
        QuantizedWeight[] weights = {
                PanamaIntegerKernelsTest.weight(rnd, 2 * PANEL, in, 4, 128, false, false),   // panels
                PanamaIntegerKernelsTest.weight(rnd, PANEL + 3, in, 4, 128, true, false),    // panels, padded
                PanamaIntegerKernelsTest.weight(rnd, 2 * PANEL, in, 4, in, false, false)};   // row-major (one group)
        for (QuantizedWeight q : weights) {
            Int4Weights w = Int4Weights.of(q, BLOCK);
            for (int tokens : new int[]{1, 2, 3, 4, 9}) {
                QuantizedActivations a = quantize(PanamaIntegerKernelsTest.activations(rnd, tokens * in, false),
                        tokens, in, q.groupSize(), ActivationQuantizer.asymmetric(8));
                PANAMA.gemm(w, a, new float[tokens * q.out()], 0, q.out());
                assertThat(w.bytes()).as("%s after M=%d", w.panelled() ? "panels" : "row-major", tokens).isEqualTo(arrayBytes(w));
            }
            if (w.panelled()) {
                // 0.5 byte per (padded) weight and 12 bytes per (padded row, group): nothing else
                long rows = (q.out() + PANEL - 1) / PANEL * (long) PANEL;
                assertThat(w.bytes()).isEqualTo(rows * in / 2 + 12 * rows * q.groups());
            }
        }
    }

    @Test
    void activationPairsAreMadeOncePerQuantization() {
        Random rnd = new Random(96);
        int in = 2 * 128;
        QuantizedActivations a = quantize(PanamaIntegerKernelsTest.activations(rnd, 5 * in, false), 5, in, 128,
                ActivationQuantizer.asymmetric(8));
        int[] pairs = a.pairCodes();
        assertThat(a.pairCodes()).isSameAs(pairs);
        for (int i = 0; i < a.codes().length / 2; i++) {
            assertThat(pairs[i]).isEqualTo((a.codes()[2 * i] & 0xFFFF) | a.codes()[2 * i + 1] << 16);
        }
        // a new quantization into the same buffer drops them (scalar and Panama quantizers alike)
        PANAMA.quantizePerToken(PanamaIntegerKernelsTest.activations(rnd, 5 * in, false), ActivationQuantizer.symmetric(8), a);
        assertThat(a.pairCodes()).isNotSameAs(pairs);
        int[] again = a.pairCodes();
        SCALAR.quantizePerToken(PanamaIntegerKernelsTest.activations(rnd, 5 * in, false), ActivationQuantizer.symmetric(4), a);
        int[] fresh = a.pairCodes();
        assertThat(fresh).isNotSameAs(again);
        assertThat(fresh[3]).isEqualTo((a.codes()[6] & 0xFFFF) | a.codes()[7] << 16);
    }
}
