package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.VectorWidth;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarIntegerKernels}: identical codes and identical outputs, faster.
 * Species come from {@link VectorWidth} (one width per JVM, {@code -Ddllmq.vectorBits}).
 *
 * <p>The Vector API has no widening integer dot product ({@code vpdpbusd}/{@code vpdpwssd}/{@code pmaddwd}
 * are unreachable from it on C2), so the int8 GEMM widens bytes to shorts, multiplies in 16 bits
 * ({@code vpmullw}; an int8×int8 product always fits int16), and widens shorts to ints into int32
 * accumulators. When at least one operand never holds −128, two products share one int16 lane before
 * the widening ({@code 127·128·2 = 32512 ≤ 32767}), which halves the widening work.
 */
final class PanamaIntegerKernels implements IntegerKernels {

    static final PanamaIntegerKernels INSTANCE = new PanamaIntegerKernels();

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    /** Bytes that widen into one {@link #S} vector: half the width, so the B2S conversion is part 0. */
    static final VectorSpecies<Byte> B_HALF = ByteVector.SPECIES_MAX.withShape(VectorShape.forBitSize(VectorWidth.BITS / 2));
    private static final int FL = F.length();
    private static final int SL = S.length();
    /** 1.5·2^23: {@code (u + R) − R} rounds {@code u} half to even, exactly as Math.rint, for |u| < 2^22. */
    private static final float ROUNDER = 0x1.8p23f;

    private PanamaIntegerKernels() {
    }

    @Override
    public String name() {
        return "panama-" + VectorWidth.BITS;
    }

    // ---------------------------------------------------------------- activation quantization

    /** Fewest tokens per work item of the quantization (one item below twice this). */
    private static final int QUANTIZE_CHUNK = 8;

    @Override
    public void quantizePerToken(float[] x, ActivationQuantizer aq, QuantizedActivations out) {
        int tokens = out.tokens();
        // the 16-bit GEMMs (four tokens or more) read the codes as shorts: written here, in the same pass
        short[] wide = tokens >= 4 ? new short[out.codes().length] : null;
        int[] minCodes = new int[tokens];
        // tokens are independent: split them over the pool (single-threaded this was 4-7 % of a W8A8 call at M = 32)
        if (tokens >= 2 * QUANTIZE_CHUNK) {
            // about four items per thread (each allocates a group-sized scratch)
            int chunk = Math.max(QUANTIZE_CHUNK, tokens / (4 * Parallel.parallelism()));
            Parallel.forChunks(tokens, chunk, (from, to) -> quantizeTokens(x, aq, out, wide, minCodes, from, to));
        } else {
            quantizeTokens(x, aq, out, wide, minCodes, 0, tokens);
        }
        int minCode = 0;
        for (int m : minCodes) {
            minCode = Math.min(minCode, m);
        }
        out.markQuantized(aq, minCode == -128, wide);
    }

    /** Quantizes tokens {@code [from, to)}; {@code minCodes[t]} gets min(0, the token's smallest code). */
    private static void quantizeTokens(float[] x, ActivationQuantizer aq, QuantizedActivations out, short[] wide,
                                       int[] minCodes, int from, int to) {
        int k = out.k();
        int groupSize = out.groupSize();
        int groups = out.groups();
        byte[] codes = out.codes();
        int[] sums = out.sums();
        int[] scratch = new int[groupSize];
        FloatVector rounder = FloatVector.broadcast(F, ROUNDER);
        for (int t = from; t < to; t++) {
            int minCode = 0;
            int off = t * k;
            TokenGrid grid = TokenGrid.fromRange(rangeMin(x, off, k), rangeMax(x, off, k), aq, t);
            float s = grid.scale();
            int zc = grid.centredZero();
            out.scales()[t] = s;
            out.zeros()[t] = zc;
            FloatVector vs = FloatVector.broadcast(F, s);
            FloatVector lo = FloatVector.broadcast(F, grid.lowerBound());
            FloatVector hi = FloatVector.broadcast(F, grid.upperBound());
            for (int g = 0; g < groups; g++) {
                int base = off + g * groupSize;
                IntVector vsum = IntVector.zero(I);
                IntVector vmin = IntVector.zero(I);
                int j = 0;
                for (; j <= groupSize - FL; j += FL) {
                    // same order as the scalar spec: true division, clamp, rint, add the centred zero
                    FloatVector u = FloatVector.fromArray(F, x, base + j).div(vs).max(lo).min(hi);
                    u = u.add(rounder).sub(rounder);
                    IntVector c = ((IntVector) u.convertShape(VectorOperators.F2I, I, 0)).add(zc);
                    c.intoArray(scratch, j);
                    vsum = vsum.add(c);
                    vmin = vmin.min(c);
                }
                int sum = vsum.reduceLanes(VectorOperators.ADD);
                minCode = Math.min(minCode, vmin.reduceLanes(VectorOperators.MIN));
                for (int i = 0; i < j; i++) {
                    codes[base + i] = (byte) scratch[i]; // narrowing loops: C2 vectorises them
                }
                if (wide != null) {
                    for (int i = 0; i < j; i++) {
                        wide[base + i] = (short) scratch[i];
                    }
                }
                for (; j < groupSize; j++) {
                    float u = Math.min(Math.max(x[base + j] / s, grid.lowerBound()), grid.upperBound());
                    int c = (int) Math.rint(u) + zc;
                    codes[base + j] = (byte) c;
                    if (wide != null) {
                        wide[base + j] = (short) c;
                    }
                    sum += c;
                    minCode = Math.min(minCode, c);
                }
                sums[t * groups + g] = sum;
            }
            minCodes[t] = minCode;
        }
    }

    private static float rangeMin(float[] x, int off, int k) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - FL; i += FL) {
            acc = acc.min(FloatVector.fromArray(F, x, off + i));
        }
        float m = acc.reduceLanes(VectorOperators.MIN);
        for (; i < k; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    private static float rangeMax(float[] x, int off, int k) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - FL; i += FL) {
            acc = acc.max(FloatVector.fromArray(F, x, off + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < k; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    // ---------------------------------------------------------------- int8 GEMM

    @Override
    public void gemm(Int8Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        int groupSize = w.groupSize();
        int groups = w.groups();
        int tokens = a.tokens();
        // pair-summing needs one operand in [−127, 127]; the dot is symmetric, so either side may supply it
        boolean pairs = !(w.fullNegativeRange() && a.fullNegativeRange());
        if (groups > 1 && pairs && w.zeroCentred() && groupSize % (2 * Int8GroupedTiles.SL) == 0) {
            gemmGrouped(w, a, y, rowStart, rowEnd);
            return;
        }
        if (Int16Gemm.covers(w, a, rowStart, rowEnd)) {
            Int16Gemm.gemm(w, a, y, rowStart, rowEnd);
            return;
        }
        gemmBytes(w, a, y, rowStart, rowEnd, 0, tokens, pairs);
    }

    /**
     * The int8 GEMM on byte operands (B2S widening in the tiles) for output rows {@code [rowStart, rowEnd)}
     * and tokens {@code [tStart, tEnd)}: every case the 16-bit kernels do not cover.
     */
    static void gemmBytes(Int8Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd,
                                  int tStart, int tEnd, boolean pairs) {
        int k = w.in();
        int out = w.out();
        int groupSize = w.groupSize();
        int groups = w.groups();
        byte[] wc = w.codes();
        byte[] ac = a.codes();
        int[] dots = new int[16];
        float[] acc = new float[16];
        // the 1-token and 1-row kernels always pair-sum: with unpaired operands they shift one side by one
        int shift = pairs ? 0 : 1;
        // rows outer, tokens inner: a 4-row weight tile stays in L1 while the activations stream from L2
        int o = rowStart;
        for (; o + 4 <= rowEnd; o += 4) {
            int t = tStart;
            for (; t + 4 <= tEnd; t += 4) {
                java.util.Arrays.fill(acc, 0f);
                for (int g = 0; g < groups; g++) {
                    int kOff = g * groupSize;
                    Int8Tiles.dot4x4(ac, t * k + kOff, k, wc, o * k + kOff, k, groupSize, pairs, dots);
                    epilogue(w, a, t, 4, o, 4, g, dots, acc);
                }
                store(a, y, out, t, 4, o, 4, acc);
            }
            for (; t < tEnd; t++) {
                java.util.Arrays.fill(acc, 0f);
                for (int g = 0; g < groups; g++) {
                    int kOff = g * groupSize;
                    Int8Tiles.dot1x4(ac, t * k + kOff, wc, o * k + kOff, k, groupSize, shift, w.sums(), o * groups + g, groups, dots);
                    epilogue(w, a, t, 1, o, 4, g, dots, acc);
                }
                store(a, y, out, t, 1, o, 4, acc);
            }
        }
        for (; o < rowEnd; o++) {
            int t = tStart;
            for (; t + 4 <= tEnd; t += 4) {
                java.util.Arrays.fill(acc, 0f);
                for (int g = 0; g < groups; g++) {
                    int kOff = g * groupSize;
                    // one weight row against four tokens: the dot is symmetric, so the 1x4 kernel serves
                    Int8Tiles.dot1x4(wc, o * k + kOff, ac, t * k + kOff, k, groupSize, shift, a.sums(), t * groups + g, groups, dots);
                    epilogue(w, a, t, 4, o, 1, g, dots, acc);
                }
                store(a, y, out, t, 4, o, 1, acc);
            }
            for (; t < tEnd; t++) {
                java.util.Arrays.fill(acc, 0f);
                for (int g = 0; g < groups; g++) {
                    int kOff = g * groupSize;
                    dots[0] = Int8Tiles.dot1x1(ac, t * k + kOff, wc, o * k + kOff, groupSize, shift, w.sums()[o * groups + g]);
                    epilogue(w, a, t, 1, o, 1, g, dots, acc);
                }
                store(a, y, out, t, 1, o, 1, acc);
            }
        }
    }

    // ---------------------------------------------------------------- int4 GEMM (W4A8, W4A4)

    @Override
    public int int4Block() {
        return Int4Tiles.BLOCK;
    }

    @Override
    public void gemm(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        if (w.block() != Int4Tiles.BLOCK) {
            throw new IllegalArgumentException("int4 weights packed with block " + w.block()
                    + ", this kernel needs " + Int4Tiles.BLOCK + " (pack with int4Block())");
        }
        if (Int16Gemm.covers(w, a)) {
            // the panel layout, the only one these weights hold: every token count
            Int16Gemm.gemm(w, a, y, rowStart, rowEnd);
            return;
        }
        // row-major nibbles: weights the outer tiles cannot take (one group, zeros outside [0, 15], other group sizes)
        int k = w.in();
        int rowBytes = k / 2;
        int out = w.out();
        int groupSize = w.groupSize();
        int groups = w.groups();
        int tokens = a.tokens();
        byte[] wp = w.packed();
        byte[] ac = a.codes();
        int flush = Int4Tiles.flushBlocks(a.quantizer().bits());
        if (groups > 1 && w.zerosInNibbleRange()) {
            gemmGrouped(w, a, y, rowStart, rowEnd, flush);
            return;
        }
        float[] ws = w.scales();
        int[] wz = w.zeros();
        int[] wsum = w.sums();
        int[] dots = new int[16];
        float[] acc = new float[16];
        int o = rowStart;
        for (; o + 4 <= rowEnd; o += 4) {
            int t = 0;
            for (; t + 4 <= tokens; t += 4) {
                java.util.Arrays.fill(acc, 0f);
                for (int g = 0; g < groups; g++) {
                    int kOff = g * groupSize;
                    Int4Tiles.dot4x4(ac, t * k + kOff, k, wp, o * rowBytes + kOff / 2, rowBytes, groupSize, flush, dots);
                    epilogue(ws, wz, wsum, groups, groupSize, a, t, 4, o, 4, g, dots, acc);
                }
                store(a, y, out, t, 4, o, 4, acc);
            }
            for (; t < tokens; t++) {
                java.util.Arrays.fill(acc, 0f);
                for (int g = 0; g < groups; g++) {
                    int kOff = g * groupSize;
                    Int4Tiles.dot1x4(ac, t * k + kOff, k, wp, o * rowBytes + kOff / 2, rowBytes, groupSize, flush, dots);
                    epilogue(ws, wz, wsum, groups, groupSize, a, t, 1, o, 4, g, dots, acc);
                }
                store(a, y, out, t, 1, o, 4, acc);
            }
        }
        for (; o < rowEnd; o++) {
            for (int t = 0; t < tokens; t++) {
                java.util.Arrays.fill(acc, 0f);
                for (int g = 0; g < groups; g++) {
                    int kOff = g * groupSize;
                    Int4Tiles.dot1x1(ac, t * k + kOff, k, wp, o * rowBytes + kOff / 2, rowBytes, groupSize, flush, dots);
                    epilogue(ws, wz, wsum, groups, groupSize, a, t, 1, o, 1, g, dots, acc);
                }
                store(a, y, out, t, 1, o, 1, acc);
            }
        }
    }

    /**
     * The grouped int4 GEMM on row-major nibbles, for grouped weights with zeros in [0, 15] that are not
     * {@link Int4Weights#panelled()} (a group size that is not a multiple of 32): float lane accumulation across
     * groups (see {@link Int4GroupedTiles}), then {@code y = sa·(Σ − za·Σ_g sw·Σ(q − z))}. Agrees with the scalar
     * spec to float rounding only.
     */
    private static void gemmGrouped(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd, int flush) {
        int k = w.in();
        int rowBytes = k / 2;
        int out = w.out();
        int groupSize = w.groupSize();
        int groups = w.groups();
        int tokens = a.tokens();
        byte[] wp = w.packed();
        byte[] ac = a.codes();
        float[] ws = w.scales();
        int[] wz = w.zeros();
        float[] corr = w.zeroCorrection();
        float[] sa = a.scales();
        int[] za = a.zeros();
        float[] sums = new float[16];
        short[] halves = new short[SL];
        float[] lanes = new float[FL];
        int o = rowStart;
        for (; o + 4 <= rowEnd; o += 4) {
            int t = 0;
            for (; t + 4 <= tokens; t += 4) {
                for (int half = 0; half < 4; half += 2) {
                    int o0 = o + half;
                    Int4GroupedTiles.dot4x2(ac, t * k, k, wp, o0 * rowBytes, rowBytes, o0, ws, wz, groups, groupSize, flush, halves, lanes, sums);
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 2; j++) {
                            y[(t + i) * out + o0 + j] = sa[t + i] * (sums[i * 4 + j] - za[t + i] * corr[o0 + j]);
                        }
                    }
                }
            }
            for (; t < tokens; t++) {
                Int4GroupedTiles.dot1x4(ac, t * k, k, wp, o * rowBytes, rowBytes, o, ws, wz, groups, groupSize, flush, halves, lanes, sums);
                for (int j = 0; j < 4; j++) {
                    y[t * out + o + j] = sa[t] * (sums[j] - za[t] * corr[o + j]);
                }
            }
        }
        for (; o < rowEnd; o++) {
            for (int t = 0; t < tokens; t++) {
                Int4GroupedTiles.dot1x1(ac, t * k, k, wp, o * rowBytes, rowBytes, o, ws, wz, groups, groupSize, flush, halves, lanes, sums);
                y[t * out + o] = sa[t] * (sums[0] - za[t] * corr[o]);
            }
        }
    }

    /**
     * The grouped int8 GEMM for zero-centred weights: float lane accumulation across groups (see
     * {@link Int8GroupedTiles}), then {@code y = sa·(Σ − za·Σ_g sw·Σ w)}. Agrees with the scalar spec to
     * float rounding only.
     */
    private static void gemmGrouped(Int8Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        int k = w.in();
        int out = w.out();
        int groupSize = w.groupSize();
        int groups = w.groups();
        int tokens = a.tokens();
        byte[] wc = w.codes();
        byte[] ac = a.codes();
        float[] ws = w.scales();
        float[] corr = w.zeroCorrection();
        float[] sa = a.scales();
        int[] za = a.zeros();
        float[] sums = new float[16];
        short[] halves = new short[Int8GroupedTiles.HALVES];
        float[] lanes = new float[FL];
        int o = rowStart;
        for (; o + 4 <= rowEnd; o += 4) {
            int t = 0;
            for (; t + 4 <= tokens; t += 4) {
                for (int half = 0; half < 4; half += 2) {
                    int o0 = o + half;
                    Int8GroupedTiles.dot4x2(ac, t * k, k, wc, o0 * k, k, o0, ws, groups, groupSize, halves, lanes, sums);
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 2; j++) {
                            y[(t + i) * out + o0 + j] = sa[t + i] * (sums[i * 4 + j] - za[t + i] * corr[o0 + j]);
                        }
                    }
                }
            }
            for (; t < tokens; t++) {
                Int8GroupedTiles.dot1x4(ac, t * k, k, wc, o * k, k, o, ws, groups, groupSize, halves, lanes, sums);
                for (int j = 0; j < 4; j++) {
                    y[t * out + o + j] = sa[t] * (sums[j] - za[t] * corr[o + j]);
                }
            }
        }
        for (; o < rowEnd; o++) {
            for (int t = 0; t < tokens; t++) {
                Int8GroupedTiles.dot1x1(ac, t * k, k, wc, o * k, k, o, ws, groups, groupSize, halves, lanes, sums);
                y[t * out + o] = sa[t] * (sums[0] - za[t] * corr[o]);
            }
        }
    }

    /**
     * Adds {@code float(correctedDot)·sw} of group {@code g} for an {@code mt × nt} tile to {@code acc};
     * {@code dots[i·4 + j]} (or {@code dots[j·4 + i]} when the tile is one row of tokens) holds the raw
     * Σ w·a. Same arithmetic, same order as the scalar spec.
     */
    static void epilogue(Int8Weights w, QuantizedActivations a, int t0, int mt, int o0, int nt, int g, int[] dots, float[] acc) {
        epilogue(w.scales(), w.zeros(), w.sums(), w.groups(), w.groupSize(), a, t0, mt, o0, nt, g, dots, acc);
    }

    static void epilogue(float[] wScales, int[] wZeros, int[] wSums, int groups, int groupSize,
                         QuantizedActivations a, int t0, int mt, int o0, int nt, int g, int[] dots, float[] acc) {
        for (int i = 0; i < mt; i++) {
            int t = t0 + i;
            int sumA = a.sums()[t * groups + g];
            int za = a.zeros()[t];
            for (int j = 0; j < nt; j++) {
                int wg = (o0 + j) * groups + g;
                int dot = dots[mt == 1 ? j : nt == 1 ? i : i * 4 + j];
                long exact = IntegerKernels.correctedDot(dot, wSums[wg], sumA, wZeros[wg], za, groupSize);
                acc[i * 4 + j] += (float) exact * wScales[wg];
            }
        }
    }

    static void store(QuantizedActivations a, float[] y, int out, int t0, int mt, int o0, int nt, float[] acc) {
        for (int i = 0; i < mt; i++) {
            float sa = a.scales()[t0 + i];
            for (int j = 0; j < nt; j++) {
                y[(t0 + i) * out + o0 + j] = acc[i * 4 + j] * sa;
            }
        }
    }
}
