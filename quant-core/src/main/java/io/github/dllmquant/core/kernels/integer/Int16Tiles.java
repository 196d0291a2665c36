package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Micro-kernels over operands already widened to 16 bits (activations by
 * {@link QuantizedActivations#wideCodes()}, weights by the caller into per-thread scratch), so the hot
 * loops hold no byte→short conversion.
 *
 * <p><b>Exact int8 dots without S2I conversions</b> ({@link #dot4x2}): two products share an int16 lane
 * ({@code p = a·w + b·v}, valid whenever the pair sum fits a short: one operand of each product in [−127, 127],
 * or one in [−128, 127] and the other in [−127, 128], which {@link Int16Gemm} uses for the unpaired case). Instead of
 * widening {@code p} with two S2I conversions (three shuffle µops), its int32 view {@code x} is split
 * arithmetically: {@code x >> 16} is the upper short {@code hi}, and {@code x ^ 0x8000} biases the lower
 * short to {@code lo + 32768 ∈ [0, 65535]}, so summing {@code x ^ 0x8000} never borrows from the upper
 * half. With {@code A = Σ (x ^ 0x8000)} and {@code H = Σ (x >> 16)} per lane (both wrapping int32),
 * {@code Σ lo = A − (H << 16) − steps·32768} and the dot is {@code Σ_lanes (Σ lo + H)}: exact in
 * wrapping int32 arithmetic because the true result fits an int. Per pair of steps and tile cell: two
 * 16-bit multiplies, one 16-bit add, XOR, shift and two 32-bit adds, no shuffles.
 *
 * <p>Grouped int4 weights run on {@link Int4OuterTiles} (lanes over output rows); the grouped k-lane tiles that
 * lived here until the sixth session, and why their lane sums went through arrays (a slice tree whose
 * shuffles C2 sometimes left unexpanded boxed the accumulators), are in bench/INT-KERNELS.md (attempts 12-20).
 *
 * <p>Every Vector API call is written out in the loop bodies and no vector crosses a method boundary of
 * ours (see {@link Int8Tiles} on inlining): a helper that C2 declines to inline would box every vector.
 */
final class Int16Tiles {

    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Byte> B_HALF = PanamaIntegerKernels.B_HALF;
    /*
     * Receivers for loop-carried vectors after their loop (INT-KERNELS attempts 80-85). While C2 parses, a loop phi
     * has the declared, abstract vector type, so a Vector API call on it is bound only by guessing its class from the
     * JVM-wide profile of the JDK method; once that profile's trap budget is spent the guess falls back to a virtual
     * call, which boxes the accumulator in the loop unless C2 later proves the phi's class (attempt 74). A static
     * final vector is a constant of exact class (IntVector.zero(I) or FloatVector.broadcast(F, x) in the method is
     * not: factories return the abstract type), so calls on it bind without a profile and the accumulator is only an
     * argument: INT_ZERO.or(acc), x | 0 == x; FLOAT_NEG_ZERO.add(acc), −0f + x == x bit for bit. Inside the loops
     * the accumulator is the argument too (x.add(acc), never acc.add(x)), so the phi's class follows from the
     * update's and C2 can prove it. Accumulators still start from IntVector.zero(I): a constant as the initial value
     * keeps the phi from being scalarized and boxes every iteration (attempt 83).
     */
    private static final IntVector INT_ZERO = IntVector.zero(VectorWidth.INT);
    /** Short lanes per vector: elements per step. */
    static final int SL = S.length();
    private static final int IL = I.length();
    /** Float lanes per vector. */

    private Int16Tiles() {
    }

    /** Widens {@code n} bytes from {@code src[from]} into {@code dst[to]}. */
    static void widen(byte[] src, int from, short[] dst, int to, int n) {
        int i = 0;
        for (; i <= n - SL; i += SL) {
            ((ShortVector) ByteVector.fromArray(B_HALF, src, from + i).convertShape(VectorOperators.B2S, S, 0)).intoArray(dst, to + i);
        }
        for (; i < n; i++) {
            dst[to + i] = src[from + i];
        }
    }

    /**
     * Widens the first {@code steps·2·SL} bytes of two rows ({@code src[from..]} and {@code src[from + k..]})
     * into the pair layout of {@link #dot4x2} and {@link #dot1x2} at {@code dst[to]}: per step, {@code 2·SL}
     * shorts of row 0, then {@code 2·SL} of row 1, each plus {@code offset}.
     */
    static void widenPair(byte[] src, int from, int k, short[] dst, int to, int steps, int offset) {
        if (offset == 0) {
            // the paired case (almost every call): no add of a zero vector, a quarter of the pass's vector ops
            for (int s = 0; s < steps; s++) {
                int l = s * 2 * SL;
                int d = to + s * 4 * SL;
                ((ShortVector) ByteVector.fromArray(B_HALF, src, from + l).convertShape(VectorOperators.B2S, S, 0)).intoArray(dst, d);
                ((ShortVector) ByteVector.fromArray(B_HALF, src, from + l + SL).convertShape(VectorOperators.B2S, S, 0)).intoArray(dst, d + SL);
                ((ShortVector) ByteVector.fromArray(B_HALF, src, from + k + l).convertShape(VectorOperators.B2S, S, 0)).intoArray(dst, d + 2 * SL);
                ((ShortVector) ByteVector.fromArray(B_HALF, src, from + k + l + SL).convertShape(VectorOperators.B2S, S, 0)).intoArray(dst, d + 3 * SL);
            }
            return;
        }
        ShortVector add = ShortVector.broadcast(S, (short) offset);
        for (int s = 0; s < steps; s++) {
            int l = s * 2 * SL;
            int d = to + s * 4 * SL;
            ((ShortVector) ByteVector.fromArray(B_HALF, src, from + l).convertShape(VectorOperators.B2S, S, 0)).add(add).intoArray(dst, d);
            ((ShortVector) ByteVector.fromArray(B_HALF, src, from + l + SL).convertShape(VectorOperators.B2S, S, 0)).add(add).intoArray(dst, d + SL);
            ((ShortVector) ByteVector.fromArray(B_HALF, src, from + k + l).convertShape(VectorOperators.B2S, S, 0)).add(add).intoArray(dst, d + 2 * SL);
            ((ShortVector) ByteVector.fromArray(B_HALF, src, from + k + l + SL).convertShape(VectorOperators.B2S, S, 0)).add(add).intoArray(dst, d + 3 * SL);
        }
    }

    /**
     * {@code dots[i·4 + j] = Σ_{l < steps·2·SL} a[aOff + i·aStride + l] · w_j[l]} for four tokens i and two
     * weight rows j, exactly; operands must be pair-summable (see the class comment). The two rows are in the
     * pair layout of {@link #widenPair} from {@code w[wOff]}: one contiguous stream instead of two rows
     * {@code k} apart (the GEMM's block loop, one thread, M = 256: 171–184 → 215–236 GFLOP/s, attempt 34).
     */
    static void dot4x2(short[] a, int aOff, int aStride, short[] w, int wOff, int steps, int[] dots) {
        IntVector a00 = IntVector.zero(I);
        IntVector a01 = IntVector.zero(I);
        IntVector a10 = IntVector.zero(I);
        IntVector a11 = IntVector.zero(I);
        IntVector a20 = IntVector.zero(I);
        IntVector a21 = IntVector.zero(I);
        IntVector a30 = IntVector.zero(I);
        IntVector a31 = IntVector.zero(I);
        IntVector h00 = IntVector.zero(I);
        IntVector h01 = IntVector.zero(I);
        IntVector h10 = IntVector.zero(I);
        IntVector h11 = IntVector.zero(I);
        IntVector h20 = IntVector.zero(I);
        IntVector h21 = IntVector.zero(I);
        IntVector h30 = IntVector.zero(I);
        IntVector h31 = IntVector.zero(I);
        int end = steps * 2 * SL;
        for (int l = 0; l < end; l += 2 * SL) {
            // token-major: the 4 weight vectors stay live and each token's pair is loaded just before its two
            // cells, so 16 accumulators + 6 operands + temporaries fit the 32 registers (all 8 activation
            // vectors loaded up front ran the GEMM's block loop ~15 % slower, attempt 32)
            int m = wOff + 2 * l;
            ShortVector w0 = ShortVector.fromArray(S, w, m);
            ShortVector v0 = ShortVector.fromArray(S, w, m + SL);
            ShortVector w1 = ShortVector.fromArray(S, w, m + 2 * SL);
            ShortVector v1 = ShortVector.fromArray(S, w, m + 3 * SL);
            ShortVector x;
            ShortVector y;
            IntVector p;
            x = ShortVector.fromArray(S, a, aOff + l);
            y = ShortVector.fromArray(S, a, aOff + l + SL);
            p = x.mul(w0).add(y.mul(v0)).reinterpretAsInts();
            a00 = p.lanewise(VectorOperators.XOR, 0x8000).add(a00);
            h00 = p.lanewise(VectorOperators.ASHR, 16).add(h00);
            p = x.mul(w1).add(y.mul(v1)).reinterpretAsInts();
            a01 = p.lanewise(VectorOperators.XOR, 0x8000).add(a01);
            h01 = p.lanewise(VectorOperators.ASHR, 16).add(h01);
            x = ShortVector.fromArray(S, a, aOff + aStride + l);
            y = ShortVector.fromArray(S, a, aOff + aStride + l + SL);
            p = x.mul(w0).add(y.mul(v0)).reinterpretAsInts();
            a10 = p.lanewise(VectorOperators.XOR, 0x8000).add(a10);
            h10 = p.lanewise(VectorOperators.ASHR, 16).add(h10);
            p = x.mul(w1).add(y.mul(v1)).reinterpretAsInts();
            a11 = p.lanewise(VectorOperators.XOR, 0x8000).add(a11);
            h11 = p.lanewise(VectorOperators.ASHR, 16).add(h11);
            x = ShortVector.fromArray(S, a, aOff + 2 * aStride + l);
            y = ShortVector.fromArray(S, a, aOff + 2 * aStride + l + SL);
            p = x.mul(w0).add(y.mul(v0)).reinterpretAsInts();
            a20 = p.lanewise(VectorOperators.XOR, 0x8000).add(a20);
            h20 = p.lanewise(VectorOperators.ASHR, 16).add(h20);
            p = x.mul(w1).add(y.mul(v1)).reinterpretAsInts();
            a21 = p.lanewise(VectorOperators.XOR, 0x8000).add(a21);
            h21 = p.lanewise(VectorOperators.ASHR, 16).add(h21);
            x = ShortVector.fromArray(S, a, aOff + 3 * aStride + l);
            y = ShortVector.fromArray(S, a, aOff + 3 * aStride + l + SL);
            p = x.mul(w0).add(y.mul(v0)).reinterpretAsInts();
            a30 = p.lanewise(VectorOperators.XOR, 0x8000).add(a30);
            h30 = p.lanewise(VectorOperators.ASHR, 16).add(h30);
            p = x.mul(w1).add(y.mul(v1)).reinterpretAsInts();
            a31 = p.lanewise(VectorOperators.XOR, 0x8000).add(a31);
            h31 = p.lanewise(VectorOperators.ASHR, 16).add(h31);
        }
        // Σ lo + Σ hi per lane, then across lanes; the bias of every lane and step comes off at the end
        int bias = steps * 32768 * IL;
        dots[0] = INT_ZERO.or(a00).sub(INT_ZERO.or(h00).lanewise(VectorOperators.LSHL, 16)).add(h00).reduceLanes(VectorOperators.ADD) - bias;
        dots[1] = INT_ZERO.or(a01).sub(INT_ZERO.or(h01).lanewise(VectorOperators.LSHL, 16)).add(h01).reduceLanes(VectorOperators.ADD) - bias;
        dots[4] = INT_ZERO.or(a10).sub(INT_ZERO.or(h10).lanewise(VectorOperators.LSHL, 16)).add(h10).reduceLanes(VectorOperators.ADD) - bias;
        dots[5] = INT_ZERO.or(a11).sub(INT_ZERO.or(h11).lanewise(VectorOperators.LSHL, 16)).add(h11).reduceLanes(VectorOperators.ADD) - bias;
        dots[8] = INT_ZERO.or(a20).sub(INT_ZERO.or(h20).lanewise(VectorOperators.LSHL, 16)).add(h20).reduceLanes(VectorOperators.ADD) - bias;
        dots[9] = INT_ZERO.or(a21).sub(INT_ZERO.or(h21).lanewise(VectorOperators.LSHL, 16)).add(h21).reduceLanes(VectorOperators.ADD) - bias;
        dots[12] = INT_ZERO.or(a30).sub(INT_ZERO.or(h30).lanewise(VectorOperators.LSHL, 16)).add(h30).reduceLanes(VectorOperators.ADD) - bias;
        dots[13] = INT_ZERO.or(a31).sub(INT_ZERO.or(h31).lanewise(VectorOperators.LSHL, 16)).add(h31).reduceLanes(VectorOperators.ADD) - bias;
    }

    /**
     * {@link #dot4x2} for one token: {@code dots[j] = Σ_{l < steps·2·SL} a[aOff + l] · w_j[l]} for two weight
     * rows j in the pair layout, exactly, by the same lane arithmetic.
     */
    static void dot1x2(short[] a, int aOff, short[] w, int wOff, int steps, int[] dots) {
        IntVector a00 = IntVector.zero(I);
        IntVector a01 = IntVector.zero(I);
        IntVector h00 = IntVector.zero(I);
        IntVector h01 = IntVector.zero(I);
        int end = steps * 2 * SL;
        for (int l = 0; l < end; l += 2 * SL) {
            ShortVector x0 = ShortVector.fromArray(S, a, aOff + l);
            ShortVector y0 = ShortVector.fromArray(S, a, aOff + l + SL);
            IntVector p;
            int m = wOff + 2 * l;
            p = x0.mul(ShortVector.fromArray(S, w, m)).add(y0.mul(ShortVector.fromArray(S, w, m + SL))).reinterpretAsInts();
            a00 = p.lanewise(VectorOperators.XOR, 0x8000).add(a00);
            h00 = p.lanewise(VectorOperators.ASHR, 16).add(h00);
            p = x0.mul(ShortVector.fromArray(S, w, m + 2 * SL)).add(y0.mul(ShortVector.fromArray(S, w, m + 3 * SL))).reinterpretAsInts();
            a01 = p.lanewise(VectorOperators.XOR, 0x8000).add(a01);
            h01 = p.lanewise(VectorOperators.ASHR, 16).add(h01);
        }
        int bias = steps * 32768 * IL;
        dots[0] = INT_ZERO.or(a00).sub(INT_ZERO.or(h00).lanewise(VectorOperators.LSHL, 16)).add(h00).reduceLanes(VectorOperators.ADD) - bias;
        dots[1] = INT_ZERO.or(a01).sub(INT_ZERO.or(h01).lanewise(VectorOperators.LSHL, 16)).add(h01).reduceLanes(VectorOperators.ADD) - bias;
    }

    /**
     * The int8 epilogue of {@link Int16Gemm} for one token and the rows {@code o0 + [0, n)} with
     * {@code n} a multiple of the int lanes: {@code y[yOff + r] = (0f + float(exact_r)·sw_r)·sa} with
     * {@code exact_r = cells[cOff + r] − shift − za·Σw_r − zw_r·Σa + groupSize·zw_r·za}, the scalar
     * specification's {@link IntegerKernels#correctedDot} and store, computed in wrapping int32 lanes. Exact
     * (so the same float, so the same bits) when the true {@code exact_r} fits an int, which the caller
     * guarantees by {@link #intEpilogue}. Per row block this replaced a scalar loop of long arithmetic per cell.
     */
    static void epilogue(int[] cells, int cOff, int shift, int[] wSums, int[] wZeros, float[] wScales, int o0, int n,
                         int groupSize, int za, int sumA, float sa, float[] y, int yOff) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector vsa = FloatVector.broadcast(F, sa);
        int nza = groupSize * za;
        for (int r = 0; r < n; r += IL) {
            IntVector zw = IntVector.fromArray(I, wZeros, o0 + r);
            IntVector exact = IntVector.fromArray(I, cells, cOff + r).sub(shift)
                    .sub(IntVector.fromArray(I, wSums, o0 + r).mul(za))
                    .sub(zw.mul(sumA))
                    .add(zw.mul(nza));
            FloatVector f = (FloatVector) exact.convertShape(VectorOperators.I2F, F, 0);
            zero.add(f.mul(FloatVector.fromArray(F, wScales, o0 + r))).mul(vsa).intoArray(y, yOff + r);
        }
    }

    /** Int lanes per vector: the row granularity of {@link #epilogue}. */
    static int epilogueLanes() {
        return IL;
    }

    /**
     * Whether {@link #epilogue} is exact for groups of {@code groupSize}: every corrected dot
     * {@code Σ (a − za)(w − zw)} of centred 8-bit codes is at most {@code groupSize·255·255} in magnitude.
     */
    static boolean intEpilogue(int groupSize) {
        return (long) groupSize * 255 * 255 <= Integer.MAX_VALUE;
    }
}
