package io.github.dllmquant.core.kernels;

import io.github.dllmquant.core.concurrent.ThreadPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static io.github.dllmquant.core.kernels.F32MicroKernels.L;
import static io.github.dllmquant.core.kernels.F32MicroKernels.NR;
import static io.github.dllmquant.core.kernels.F32MicroKernels.ORDER;

/**
 * The Vector API twin of {@link ScalarGemmKernels}: a BLIS-style GEMM over weight panels of
 * {@code NR = 4·L} rows (see {@link F32MicroKernels}).
 *
 * <p>Work is split into items (panel × block of tokens), claimed by the pool's threads; each item walks
 * K in blocks of {@link #KC} columns. For every (panel, K block) the item gets an F32 "sliver"
 * {@code [kc][NR]}: for {@link PackedF32Weights} it is the packed panel itself; for BF16 and weight-only
 * quantized weights it is converted / dequantized once into per-thread scratch and then reused by every
 * token tile of the item — the dequantization cost is paid once per call, not once per token.
 * Tokens go through 4-row tiles, then 2- and 1-row tiles for the remainder; the last, partial panel
 * writes to a small buffer and copies its valid columns.
 *
 * <p>Tunable: {@code -Ddllmq.gemm.kc} (K block, multiple of 16, default 1024).
 */
public final class PanamaGemmKernels implements GemmKernels {

    /** The single instance (stateless apart from per-thread scratch). */
    public static final PanamaGemmKernels INSTANCE = new PanamaGemmKernels();

    /** K block: a {@code KC × NR} sliver (256 KB at 512 bits) stays in L2 while all token tiles use it; long blocks amortise each tile's start-up and the read-modify-write of y (measured in bench/RESULTS.md). */
    static final int KC = readKc();

    /** Fewest 4-token tiles of a token block when a panel is split between items (see {@link #tokenBlocks}). */
    static final int MIN_BLOCK_TILES = 16;

    /** Calls with fewer multiply-adds than this run on the caller alone (a wake-up costs microseconds). */
    private static final long SERIAL_WORK = 1L << 16;

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    /** Receiver for loop-carried accumulators after their loop: −0f + x == x bit for bit (see {@link F32MicroKernels}). */
    private static final FloatVector NEG_ZERO = FloatVector.broadcast(VectorWidth.FLOAT, -0f);
    /** Shorts with as many lanes as a float vector: one BF16 load per float vector. */
    private static final VectorSpecies<Short> S_HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(VectorWidth.BITS / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Per-thread sliver buffer, 64-byte aligned, owned by the thread (freed with it). */
    private static final ThreadLocal<MemorySegment> SCRATCH = new ThreadLocal<>();
    /** Per-thread outputs of a partial panel ({@code tokens × NR}). */
    private static final ThreadLocal<float[]> PARTIAL = new ThreadLocal<>();

    private PanamaGemmKernels() {
    }

    private static int readKc() {
        String v = System.getProperty("dllmq.gemm.kc");
        int kc = v == null ? 1024 : Integer.parseInt(v.trim());
        if (kc < 16 || kc % 16 != 0) {
            throw new IllegalStateException("-Ddllmq.gemm.kc must be a positive multiple of 16, got " + kc);
        }
        return kc;
    }

    @Override
    public String name() {
        return "panama-" + VectorWidth.BITS;
    }

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public void gemm(float[] x, int m, PackedF32Weights w, float[] bias, float[] y, ThreadPool pool) {
        checkPanelWidth(w.panelWidth());
        run(x, m, w.n(), w.k(), w, null, null, bias, y, pool);
    }

    @Override
    public void gemm(float[] x, int m, Bf16Weights w, float[] bias, float[] y, ThreadPool pool) {
        if (m <= 2) {
            // GEMV-like: converting a transposed sliver would cost more than the few dots it serves
            bf16RowDots(x, m, w, bias, y, pool);
            return;
        }
        run(x, m, w.n(), w.k(), null, w, null, bias, y, pool);
    }

    @Override
    public void gemm(float[] x, int m, PackedQuantizedWeights w, float[] bias, float[] y, ThreadPool pool) {
        checkPanelWidth(w.panelWidth());
        run(x, m, w.n(), w.k(), null, null, w, bias, y, pool);
    }

    private static void checkPanelWidth(int panelWidth) {
        if (panelWidth != NR) {
            throw new IllegalArgumentException("weights were packed with panel width " + panelWidth
                    + ", the " + VectorWidth.BITS + "-bit kernels need " + NR);
        }
    }

    /** Splits the call into items and runs them on the pool. Exactly one of f32/bf16/quant is non-null. */
    private static void run(float[] x, int m, int n, int k, PackedF32Weights f32, Bf16Weights bf16,
                            PackedQuantizedWeights quant, float[] bias, float[] y, ThreadPool pool) {
        int panels = GemmShapes.panels(n, NR);
        int tiles = (m + 3) / 4;
        int mBlocks = tokenBlocks(panels, tiles, pool.parallelism());
        int tilesPerBlock = (tiles + mBlocks - 1) / mBlocks;
        int mStep = 4 * tilesPerBlock;
        int blocks = (m + mStep - 1) / mStep;
        if ((long) m * n * k < SERIAL_WORK) {
            // too small to pay for waking the workers
            for (int item = 0; item < panels * blocks; item++) {
                int m0 = (item % blocks) * mStep;
                computeItem(x, Math.min(m, m0 + mStep), m0, n, k, item / blocks, f32, bf16, quant, bias, y);
            }
            return;
        }
        pool.forRange(panels * blocks, item -> {
            int p = item / blocks;
            int m0 = (item % blocks) * mStep;
            computeItem(x, Math.min(m, m0 + mStep), m0, n, k, p, f32, bf16, quant, bias, y);
        });
    }

    /**
     * How many blocks of tokens each panel is split into. Enough items for the threads to balance (ggml:
     * several chunks per thread), but a token block re-reads the whole weight panel, so tokens are split
     * only when there are fewer panels than threads, or when every block keeps at least
     * {@link #MIN_BLOCK_TILES} tiles to amortise that read. At a cached decoding pass's M = 32 and N = 256
     * this gives one item per panel instead of two items (often on two cores) reading each panel.
     */
    static int tokenBlocks(int panels, int tiles, int parallelism) {
        int wanted = 4 * parallelism;
        if (panels >= wanted) {
            return 1;
        }
        int balanced = Math.min(tiles, (wanted + panels - 1) / panels);
        int needed = Math.min(tiles, (parallelism + panels - 1) / panels); // every thread gets an item
        return Math.max(needed, Math.min(balanced, tiles / MIN_BLOCK_TILES));
    }

    private static void computeItem(float[] x, int m1, int m0, int n, int k, int p, PackedF32Weights f32,
                                    Bf16Weights bf16, PackedQuantizedWeights quant, float[] bias, float[] y) {
        int validRows = Math.min(NR, n - p * NR);
        boolean partial = validRows < NR;
        float[] target = partial ? partialTarget((m1 - m0) * NR) : y;
        int ldy = partial ? NR : n;
        int base = partial ? -m0 * NR : p * NR; // target offset of token t is base + t·ldy
        // sliver [KC][NR] followed by the NR zero points of the current group
        MemorySegment scratch = f32 == null ? scratch((long) (KC + 1) * NR * Float.BYTES) : null;
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            MemorySegment b;
            long bOff;
            if (f32 != null) {
                b = f32.data();
                bOff = ((long) p * k + k0) * NR * Float.BYTES;
            } else {
                b = scratch;
                bOff = 0;
                if (bf16 != null) {
                    bf16Sliver(bf16, p, k0, kc, scratch);
                } else {
                    quantSliver(quant, p, k0, kc, scratch);
                }
            }
            boolean accumulate = k0 > 0;
            int t = m0;
            for (; t + 4 <= m1; t += 4) {
                F32MicroKernels.tile4(x, t * k + k0, k, b, bOff, kc, target, base + t * ldy, ldy, accumulate);
            }
            if (t + 2 <= m1) {
                F32MicroKernels.tile2(x, t * k + k0, k, b, bOff, kc, target, base + t * ldy, ldy, accumulate);
                t += 2;
            }
            if (t < m1) {
                F32MicroKernels.tile1(x, t * k + k0, k, b, bOff, kc, target, base + t * ldy, ldy, accumulate);
            }
        }
        if (partial) {
            for (int t = m0; t < m1; t++) {
                for (int j = 0; j < validRows; j++) {
                    float v = target[(t - m0) * NR + j];
                    y[t * n + p * NR + j] = bias == null ? v : v + bias[p * NR + j];
                }
            }
        } else if (bias != null) {
            for (int t = m0; t < m1; t++) {
                for (int j = 0; j < NR; j += L) {
                    int off = t * n + p * NR + j;
                    FloatVector.fromArray(F, y, off).add(FloatVector.fromArray(F, bias, p * NR + j)).intoArray(y, off);
                }
            }
        }
    }

    /** Per-thread buffer for the last, partial panel's outputs (reused: no allocation per call). */
    private static float[] partialTarget(int floats) {
        float[] t = PARTIAL.get();
        if (t == null || t.length < floats) {
            t = new float[Math.max(floats, 64 * NR)];
            PARTIAL.set(t);
        }
        return t;
    }

    private static MemorySegment scratch(long bytes) {
        MemorySegment s = SCRATCH.get();
        if (s == null || s.byteSize() < bytes) {
            s = Arena.ofAuto().allocate(bytes, 64);
            SCRATCH.set(s);
        }
        return s;
    }

    /**
     * Converts rows {@code p·NR ..} of the BF16 matrix, columns {@code k0 .. k0+kc}, into the transposed
     * sliver {@code out[kk][r]} (zero rows past n). Rows are read sequentially; the scattered writes stay in L1/L2.
     */
    private static void bf16Sliver(Bf16Weights w, int p, int k0, int kc, MemorySegment out) {
        int n = w.n();
        int k = w.k();
        MemorySegment src = w.data();
        int r = 0;
        // four full rows at a time: each column's four stores land in one cache line of the sliver
        for (; r + 4 <= NR && p * NR + r + 4 <= n; r += 4) {
            long b0 = 2L * ((long) (p * NR + r) * k + k0);
            long rowBytes = 2L * k;
            for (int kk = 0; kk < kc; kk++) {
                long at = b0 + 2L * kk;
                long o = (long) kk * NR + r;
                out.setAtIndex(ValueLayout.JAVA_FLOAT, o, bf16(src.get(Bf16Weights.BF16, at)));
                out.setAtIndex(ValueLayout.JAVA_FLOAT, o + 1, bf16(src.get(Bf16Weights.BF16, at + rowBytes)));
                out.setAtIndex(ValueLayout.JAVA_FLOAT, o + 2, bf16(src.get(Bf16Weights.BF16, at + 2 * rowBytes)));
                out.setAtIndex(ValueLayout.JAVA_FLOAT, o + 3, bf16(src.get(Bf16Weights.BF16, at + 3 * rowBytes)));
            }
        }
        for (; r < NR; r++) {
            int row = p * NR + r;
            if (row >= n) {
                for (int kk = 0; kk < kc; kk++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, (long) kk * NR + r, 0f);
                }
                continue;
            }
            long rowByte = 2L * ((long) row * k + k0);
            for (int kk = 0; kk < kc; kk++) {
                out.setAtIndex(ValueLayout.JAVA_FLOAT, (long) kk * NR + r, bf16(src.get(Bf16Weights.BF16, rowByte + 2L * kk)));
            }
        }
    }

    private static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Dequantizes columns {@code k0 .. k0+kc} of panel {@code p} into {@code out[kk][r] = (q − z)·s}: one
     * int-vector load gives the codes of L rows, a variable shift and a mask pick column {@code kk}, then
     * convert, subtract the zero and scale (the same float operations as the scalar rule, so the sliver
     * equals the dequantized weight exactly). Scales and zeros are loaded once per group.
     */
    private static void quantSliver(PackedQuantizedWeights w, int p, int k0, int kc, MemorySegment out) {
        long zerosOffset = (long) KC * NR * Float.BYTES;
        int sb = w.storedBits();
        int cpi = 32 / sb;
        int shiftOfCpi = Integer.numberOfTrailingZeros(cpi);
        int mask = (1 << sb) - 1;
        int groupSize = w.groupSize();
        int groups = w.groups();
        long wordRowBase = (long) p * w.words();
        MemorySegment codes = w.codes();
        MemorySegment scales = w.scales();
        int k1 = k0 + kc;
        for (int ka = k0; ka < k1; ) {
            int g = ka / groupSize;
            int kb = Math.min(k1, (g + 1) * groupSize);
            long groupIndex = ((long) p * groups + g) * NR;
            loadZeros(w, groupIndex, out, zerosOffset);
            for (int v = 0; v < NR; v += L) {
                FloatVector s = FloatVector.fromMemorySegment(F, scales, (groupIndex + v) * Float.BYTES, ORDER);
                FloatVector z = FloatVector.fromMemorySegment(F, out, zerosOffset + (long) v * Float.BYTES, ORDER);
                for (int kk = ka; kk < kb; kk++) {
                    long wordIndex = (wordRowBase + (kk >>> shiftOfCpi)) * NR + v;
                    IntVector q = IntVector.fromMemorySegment(I, codes, wordIndex * Integer.BYTES, ORDER)
                            .lanewise(VectorOperators.LSHR, (kk & (cpi - 1)) * sb).and(mask);
                    FloatVector value = ((FloatVector) q.convertShape(VectorOperators.I2F, F, 0)).sub(z).mul(s);
                    value.intoMemorySegment(out, ((long) (kk - k0) * NR + v) * Float.BYTES, ORDER);
                }
            }
            ka = kb;
        }
    }

    /** Writes the NR zero points of one (panel, group) as floats at {@code out + offset}. */
    private static void loadZeros(PackedQuantizedWeights w, long groupIndex, MemorySegment out, long offset) {
        MemorySegment zeros = w.zeros();
        for (int r = 0; r < NR; r++) {
            float z = w.byteZeros() ? zeros.get(ValueLayout.JAVA_BYTE, groupIndex + r) & 0xFF
                    : zeros.getAtIndex(ValueLayout.JAVA_FLOAT, groupIndex + r);
            out.set(ValueLayout.JAVA_FLOAT, offset + (long) r * Float.BYTES, z);
        }
    }

    /** Row-parallel dots of each token with each BF16 weight row, converting L weights per load. */
    private static void bf16RowDots(float[] x, int m, Bf16Weights w, float[] bias, float[] y, ThreadPool pool) {
        int n = w.n();
        int k = w.k();
        MemorySegment data = w.data();
        pool.forChunks(n, 64, (from, to) -> {
            for (int row = from; row < to; row++) {
                long rowByte = 2L * row * k;
                for (int t = 0; t < m; t++) {
                    float acc = bf16Dot(x, t * k, data, rowByte, k);
                    y[t * n + row] = bias == null ? acc : acc + bias[row];
                }
            }
        });
    }

    /** {@code Σ x[xOff+i]·bf16(w[i])} with four accumulators (one would be FMA-latency bound). */
    static float bf16Dot(float[] x, int xOff, MemorySegment w, long wOff, int k) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 * L <= k; i += 4 * L) {
            acc0 = bf16Vector(w, wOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = bf16Vector(w, wOff + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
            acc2 = bf16Vector(w, wOff + 2L * (i + 2 * L)).fma(FloatVector.fromArray(F, x, xOff + i + 2 * L), acc2);
            acc3 = bf16Vector(w, wOff + 2L * (i + 3 * L)).fma(FloatVector.fromArray(F, x, xOff + i + 3 * L), acc3);
        }
        for (; i + L <= k; i += L) {
            acc0 = bf16Vector(w, wOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = VectorMath.sum(NEG_ZERO.add(acc0).add(acc1).add(NEG_ZERO.add(acc2).add(acc3)));
        for (; i < k; i++) {
            short bits = w.get(Bf16Weights.BF16, wOff + 2L * i);
            sum += x[xOff + i] * Float.intBitsToFloat((bits & 0xFFFF) << 16);
        }
        return sum;
    }

    /** L bf16 values → floats: widen to int lanes, shift the 16 bits into the high half, reinterpret. */
    private static FloatVector bf16Vector(MemorySegment w, long byteOffset) {
        return ((IntVector) ShortVector.fromMemorySegment(S_HALF, w, byteOffset, LE)
                .convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }
}
