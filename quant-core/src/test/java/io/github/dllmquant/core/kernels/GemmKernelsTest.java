package io.github.dllmquant.core.kernels;

import io.github.dllmquant.core.concurrent.ThreadPool;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.tensor.Bf16;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Panama GEMMs against the scalar specification on edge shapes (M ∈ {1, 3, 13, 64}, N = 1, partial
 * panels, K not a multiple of the vector length, K beyond one K block (default 1024), odd group counts),
 * tiny calls (run on the caller) and large ones (run on the pool), within the
 * rigorous float bound {@code 2·K·2⁻²⁴·Σ|x·w|}; multi-threaded results equal single-threaded ones bit
 * for bit; the scalar specification against hand-computed values.
 */
class GemmKernelsTest {

    private static final GemmKernels SCALAR = ScalarGemmKernels.INSTANCE;
    private static final GemmKernels PANAMA = PanamaGemmKernels.INSTANCE;
    private static final int NR = PANAMA.panelWidth();
    private static final ThreadPool ONE = ThreadPool.create(1, "gemm-test-1-");
    private static final ThreadPool THREE = ThreadPool.create(3, "gemm-test-3-");
    private static final ThreadPool TWO = ThreadPool.create(2, "gemm-test-2-", 0);

    @AfterAll
    static void closePools() {
        ONE.close();
        THREE.close();
        TWO.close();
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /** Checks {@code actual} against {@code expected} within the float summation bound of each output. */
    private static void assertWithinBound(float[] expected, float[] actual, float[] x, float[] w, float[] bias, int m, int n, int k) {
        for (int t = 0; t < m; t++) {
            for (int o = 0; o < n; o++) {
                double sumAbs = bias == null ? 0 : Math.abs(bias[o]);
                for (int i = 0; i < k; i++) {
                    sumAbs += Math.abs((double) x[t * k + i] * w[o * k + i]);
                }
                double tol = 2.0 * (k + 1) * Math.ulp(1f) / 2 * sumAbs + 1e-30;
                assertThat(actual[t * n + o]).as("y[%d][%d]", t, o).isCloseTo(expected[t * n + o], within((float) tol));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"1,1,37", "3,70,203", "13,130,517", "64,64,96", "64,1,300", "2,65,16", "5,200,1", "6,70,2100", "1,20,1500"})
    void f32MatchesScalarAndThreadCountDoesNotMatter(int m, int n, int k) {
        Random rnd = new Random(m * 31 + n * 7 + k);
        float[] w = gaussian(rnd, n * k);
        float[] x = gaussian(rnd, m * k);
        float[] bias = gaussian(rnd, n);
        try (Arena arena = Arena.ofShared()) {
            PackedF32Weights packed = PackedF32Weights.pack(w, n, k, NR, arena);
            assertThat(packed.unpack()).containsExactly(w);
            float[] expected = new float[m * n];
            SCALAR.gemm(x, m, packed, bias, expected, ONE);
            float[] single = new float[m * n];
            PANAMA.gemm(x, m, packed, bias, single, ONE);
            assertWithinBound(expected, single, x, w, bias, m, n, k);
            float[] multi = new float[m * n];
            PANAMA.gemm(x, m, packed, bias, multi, THREE);
            assertThat(multi).containsExactly(single);
            float[] noBias = new float[m * n];
            PANAMA.gemm(x, m, packed, null, noBias, THREE);
            SCALAR.gemm(x, m, packed, null, expected, ONE);
            assertWithinBound(expected, noBias, x, w, null, m, n, k);
        }
    }

    @Test
    void tokensAreSplitOnlyWhenPanelsAreFewOrTokenBlocksStayLarge() {
        assertThat(PanamaGemmKernels.tokenBlocks(4, 8, 2)).as("M = 32, N = 4 panels: one item per panel").isEqualTo(1);
        assertThat(PanamaGemmKernels.tokenBlocks(4, 80, 2)).as("M = 320: blocks of 40 tiles").isEqualTo(2);
        assertThat(PanamaGemmKernels.tokenBlocks(1, 8, 2)).as("one panel: every thread gets a block").isEqualTo(2);
        assertThat(PanamaGemmKernels.tokenBlocks(1, 1, 3)).as("never more blocks than tiles").isEqualTo(1);
        assertThat(PanamaGemmKernels.tokenBlocks(64, 64, 2)).isEqualTo(1);
        assertThat(PanamaGemmKernels.tokenBlocks(2, 200, 3)).as("min(6 wanted, 200 / 16)").isEqualTo(6);
    }

    /**
     * The splits of the cached decoding pass (M = 32, 33 over 4 panels) and of a full pass (M = 320), on
     * a two-thread pool whose worker parks between calls, equal the one-thread result bit for bit, also
     * for a partial last panel whose per-thread buffer is reused by calls of different M.
     */
    @ParameterizedTest
    @CsvSource({"32,4,40", "33,4,24", "320,4,17", "64,1,30", "1,4,64"})
    void smallShapeSplitsEqualOneThreadBitForBit(int m, int panels, int k) {
        Random rnd = new Random(m * 17 + k);
        for (int n : new int[]{panels * NR, panels * NR - 5}) {
            float[] w = gaussian(rnd, n * k);
            float[] x = gaussian(rnd, m * k);
            float[] bias = gaussian(rnd, n);
            try (Arena arena = Arena.ofShared()) {
                PackedF32Weights packed = PackedF32Weights.pack(w, n, k, NR, arena);
                float[] expected = new float[m * n];
                SCALAR.gemm(x, m, packed, bias, expected, ONE);
                float[] single = new float[m * n];
                PANAMA.gemm(x, m, packed, bias, single, ONE);
                assertWithinBound(expected, single, x, w, bias, m, n, k);
                for (int rows : new int[]{m, Math.max(1, m / 2), m}) {
                    float[] two = new float[m * n];
                    PANAMA.gemm(x, rows, packed, bias, two, TWO);
                    float[] oneRows = new float[m * n];
                    PANAMA.gemm(x, rows, packed, bias, oneRows, ONE);
                    assertThat(two).as("M = %d, N = %d", rows, n).containsExactly(oneRows);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"1,1,37", "2,70,203", "3,70,203", "13,130,517", "64,64,96", "4,1,300", "5,70,2100"})
    void bf16MatchesScalar(int m, int n, int k) {
        Random rnd = new Random(m * 17 + n * 5 + k);
        float[] wf = gaussian(rnd, n * k);
        float[] x = gaussian(rnd, m * k);
        float[] bias = gaussian(rnd, n);
        try (Arena arena = Arena.ofShared()) {
            // an odd byte offset: mapped tensors are not aligned
            MemorySegment segment = arena.allocate(2L * n * k + 1).asSlice(1);
            for (int i = 0; i < wf.length; i++) {
                short bits = Bf16.fromFloat(wf[i]);
                segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, bits);
                wf[i] = Bf16.toFloat(bits);
            }
            Bf16Weights w = Bf16Weights.of(segment, n, k);
            assertThat(w.toFloats()).containsExactly(wf);
            float[] expected = new float[m * n];
            SCALAR.gemm(x, m, w, bias, expected, ONE);
            float[] actual = new float[m * n];
            PANAMA.gemm(x, m, w, bias, actual, THREE);
            assertWithinBound(expected, actual, x, wf, bias, m, n, k);
            float[] single = new float[m * n];
            PANAMA.gemm(x, m, w, bias, single, ONE);
            assertThat(actual).containsExactly(single);
            if (m > 2) {
                // from M = 3 the BF16 weights are converted into the packed F32 panel layout: same bits as F32
                float[] packed = new float[m * n];
                PANAMA.gemm(x, m, PackedF32Weights.pack(wf, n, k, NR, arena), bias, packed, ONE);
                assertThat(single).containsExactly(packed);
            }
        }
    }

    static QuantizedWeight randomQuantized(Random rnd, int n, int k, int bits, int groupSize, boolean fractionalZeros) {
        int groups = k / groupSize;
        byte[] codes = new byte[n * k];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) rnd.nextInt(1 << bits);
        }
        // the extreme codes must survive packing
        codes[0] = 0;
        codes[codes.length - 1] = (byte) ((1 << bits) - 1);
        float[] scales = new float[n * groups];
        float[] zeros = new float[n * groups];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.005f + rnd.nextFloat() * 0.05f;
            zeros[i] = rnd.nextInt(1 << bits) + (fractionalZeros ? 0.25f : 0f);
        }
        return new QuantizedWeight(n, k, bits, groupSize, false, codes, scales, zeros);
    }

    @ParameterizedTest
    @CsvSource({"1,4,1,97,97", "3,2,70,291,97", "13,3,130,264,24", "64,4,64,320,64", "5,8,65,520,40",
            "1,8,33,128,128", "64,4,1,300,100", "4,6,20,48,16", "7,5,9,30,10", "5,4,70,2176,128", "3,2,17,1040,80"})
    void weightOnlyMatchesScalar(int m, int bits, int n, int k, int groupSize) {
        Random rnd = new Random(m + bits * 100 + n + k);
        QuantizedWeight q = randomQuantized(rnd, n, k, bits, groupSize, bits == 5);
        float[] w = q.dequantize();
        float[] x = gaussian(rnd, m * k);
        float[] bias = bits % 2 == 0 ? gaussian(rnd, n) : null;
        try (Arena arena = Arena.ofShared()) {
            PackedQuantizedWeights packed = PackedQuantizedWeights.pack(q, NR, arena);
            assertThat(packed.byteZeros()).isEqualTo(bits != 5);
            for (int o = 0; o < n; o++) {
                for (int i = 0; i < k; i++) {
                    assertThat(packed.code(o, i)).isEqualTo(q.code(o, i));
                    assertThat(packed.get(o, i)).isEqualTo(w[o * k + i]);
                }
            }
            float[] expected = new float[m * n];
            SCALAR.gemm(x, m, packed, bias, expected, ONE);
            float[] actual = new float[m * n];
            PANAMA.gemm(x, m, packed, bias, actual, THREE);
            assertWithinBound(expected, actual, x, w, bias, m, n, k);
            float[] single = new float[m * n];
            PANAMA.gemm(x, m, packed, bias, single, ONE);
            assertThat(actual).containsExactly(single);
        }
    }

    @Test
    void scalarByHand() {
        // W = [[1, 2, 3], [-1, 0, 0.5]], x = [[1, 1, 1], [2, 0, -2]], b = [10, 20]
        float[] w = {1, 2, 3, -1, 0, 0.5f};
        float[] x = {1, 1, 1, 2, 0, -2};
        float[] y = new float[4];
        try (Arena arena = Arena.ofShared()) {
            SCALAR.gemm(x, 2, PackedF32Weights.pack(w, 2, 3, 16, arena), new float[]{10, 20}, y, ONE);
        }
        assertThat(y).containsExactly(16f, 19.5f, 6f, 17f);
        // 4-bit codes with group 3: row 0 codes 9 8 7, zero 8, scale 0.5 -> [0.5, 0, -0.5]
        QuantizedWeight q = new QuantizedWeight(1, 3, 4, 3, true, new byte[]{9, 8, 7}, new float[]{0.5f}, new float[]{8});
        float[] yq = new float[2];
        try (Arena arena = Arena.ofShared()) {
            SCALAR.gemm(x, 2, PackedQuantizedWeights.pack(q, 16, arena), null, yq, ONE);
        }
        assertThat(yq[0]).isEqualTo(0f);
        assertThat(yq[1]).isCloseTo(2f, within(0f)); // 2·0.5 + (−2)·(−0.5)
    }

    @Test
    void facadeRejectsBadShapesAndForeignPanelWidths() {
        try (Arena arena = Arena.ofShared()) {
            PackedF32Weights w = PackedF32Weights.pack(new float[6], 2, 3, NR, arena);
            assertThatThrownBy(() -> Gemm.gemm(new float[5], 2, w, null, new float[4]))
                    .hasMessageContaining("x has 5 values, needs tokens*in = 2*3");
            assertThatThrownBy(() -> Gemm.gemm(new float[6], 2, w, new float[3], new float[4]))
                    .hasMessageContaining("bias has 3 values");
            PackedF32Weights odd = PackedF32Weights.pack(new float[6], 2, 3, NR + 1, arena);
            assertThatThrownBy(() -> PANAMA.gemm(new float[6], 2, odd, null, new float[4], ONE))
                    .hasMessageContaining("panel width " + (NR + 1));
            assertThatThrownBy(() -> Bf16Weights.of(arena.allocate(10), 2, 3)).hasMessageContaining("10 bytes");
        }
    }
}
