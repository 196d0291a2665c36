package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled int8 dot-product micro-kernels of {@link PanamaIntegerKernels}: each computes the raw
 * sums {@code Σ_l x[l]·y[l]} of several row pairs over {@code len} consecutive bytes, exactly.
 *
 * <p>Per step of {@code SL} bytes (half a vector) each operand is widened B2S to one short vector and
 * multiplied in 16 bits (an int8×int8 product fits int16). The short products {@code p} go into int32
 * accumulators through their int32 view {@code x = p.reinterpretAsInts()}: {@code (x << 16) >> 16} is the
 * lower short of each int lane and {@code x >> 16} the upper one, both sign-extended, so every short lane is
 * added exactly once; only the lane sums' total is used, so the result is the same integer as with two S2I
 * conversions. Those were {@code convertShape(S2I, I, 0)} and {@code (S2I, I, 1)}, and a part other than 0
 * slices first (a shuffle intrinsic): in some JVMs C2 compiled {@link #dot1x4} with 13 {@code convertShape}
 * calls left as virtual calls and every vector boxed (W8A8 at M = 1: 27 GFLOP/s, 26 MB per call, INT-KERNELS
 * attempts 23 and 40). Only part-0 conversions, reinterpretations and lanewise operations remain here.
 * With {@code pairs}, two steps' products are added in int16 before the widening, valid when one
 * operand of every product lies in [−127, 127] ({@code 2·127·128 = 32512 ≤ 32767}). Tails shorter
 * than one step run scalar. No masks in the loops.
 *
 * <p>The loads and widenings are written out in the loop bodies rather than in helper methods: the
 * Vector API's own methods are force-inlined, but a helper of ours is subject to C2's inlining node
 * budget ({@code NodeCountInliningCutoff}), which a 4×4 tile exhausts after a few calls; a helper that
 * is not inlined boxes every vector (measured: 9–11 GFLOP/s instead of 100+). Each loop also lives in
 * its own method to keep the compiled units small.
 */
final class Int8Tiles {

    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
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
    /** Bytes per step: one short vector's lanes. */
    static final int SL = S.length();

    private Int8Tiles() {
    }

    /**
     * {@code dots[i·4 + j] = Σ_{l<len} a[aOff + i·aStride + l] · w[wOff + j·wStride + l]} for i, j &lt; 4.
     */
    static void dot4x4(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int len, boolean pairs, int[] dots) {
        assert len > 0;
        java.util.Arrays.fill(dots, 0);
        int l = 0;
        if (pairs && len >= 2 * SL) {
            l = pairs4x4(a, aOff, aStride, w, wOff, wStride, len, dots);
        }
        if (len - l >= SL) {
            l = steps4x4(a, aOff, aStride, w, wOff, wStride, l, len, dots);
        }
        if (l < len) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    dots[i * 4 + j] += tail(a, aOff + i * aStride, w, wOff + j * wStride, l, len);
                }
            }
        }
    }

    /** The paired loop of {@link #dot4x4} from 0; adds into {@code dots}, returns where it stopped. */
    private static int pairs4x4(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int len, int[] dots) {
        IntVector c00 = IntVector.zero(I);
        IntVector c01 = IntVector.zero(I);
        IntVector c02 = IntVector.zero(I);
        IntVector c03 = IntVector.zero(I);
        IntVector c10 = IntVector.zero(I);
        IntVector c11 = IntVector.zero(I);
        IntVector c12 = IntVector.zero(I);
        IntVector c13 = IntVector.zero(I);
        IntVector c20 = IntVector.zero(I);
        IntVector c21 = IntVector.zero(I);
        IntVector c22 = IntVector.zero(I);
        IntVector c23 = IntVector.zero(I);
        IntVector c30 = IntVector.zero(I);
        IntVector c31 = IntVector.zero(I);
        IntVector c32 = IntVector.zero(I);
        IntVector c33 = IntVector.zero(I);
        int l = 0;
        for (; l <= len - 2 * SL; l += 2 * SL) {
            ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector b0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector a1 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 1 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector b1 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 1 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector a2 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 2 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector b2 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 2 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector a3 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 3 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector b3 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 3 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector w0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector v0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p00 = a0.mul(w0).add(b0.mul(v0));
            c00 = p00.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c00).add(p00.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p10 = a1.mul(w0).add(b1.mul(v0));
            c10 = p10.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c10).add(p10.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p20 = a2.mul(w0).add(b2.mul(v0));
            c20 = p20.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c20).add(p20.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p30 = a3.mul(w0).add(b3.mul(v0));
            c30 = p30.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c30).add(p30.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector w1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector v1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p01 = a0.mul(w1).add(b0.mul(v1));
            c01 = p01.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c01).add(p01.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p11 = a1.mul(w1).add(b1.mul(v1));
            c11 = p11.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c11).add(p11.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p21 = a2.mul(w1).add(b2.mul(v1));
            c21 = p21.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c21).add(p21.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p31 = a3.mul(w1).add(b3.mul(v1));
            c31 = p31.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c31).add(p31.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector w2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector v2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p02 = a0.mul(w2).add(b0.mul(v2));
            c02 = p02.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c02).add(p02.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p12 = a1.mul(w2).add(b1.mul(v2));
            c12 = p12.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c12).add(p12.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p22 = a2.mul(w2).add(b2.mul(v2));
            c22 = p22.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c22).add(p22.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p32 = a3.mul(w2).add(b3.mul(v2));
            c32 = p32.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c32).add(p32.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector w3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector v3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p03 = a0.mul(w3).add(b0.mul(v3));
            c03 = p03.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c03).add(p03.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p13 = a1.mul(w3).add(b1.mul(v3));
            c13 = p13.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c13).add(p13.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p23 = a2.mul(w3).add(b2.mul(v3));
            c23 = p23.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c23).add(p23.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p33 = a3.mul(w3).add(b3.mul(v3));
            c33 = p33.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c33).add(p33.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        }
        dots[0] += INT_ZERO.or(c00).reduceLanes(VectorOperators.ADD);
        dots[1] += INT_ZERO.or(c01).reduceLanes(VectorOperators.ADD);
        dots[2] += INT_ZERO.or(c02).reduceLanes(VectorOperators.ADD);
        dots[3] += INT_ZERO.or(c03).reduceLanes(VectorOperators.ADD);
        dots[4] += INT_ZERO.or(c10).reduceLanes(VectorOperators.ADD);
        dots[5] += INT_ZERO.or(c11).reduceLanes(VectorOperators.ADD);
        dots[6] += INT_ZERO.or(c12).reduceLanes(VectorOperators.ADD);
        dots[7] += INT_ZERO.or(c13).reduceLanes(VectorOperators.ADD);
        dots[8] += INT_ZERO.or(c20).reduceLanes(VectorOperators.ADD);
        dots[9] += INT_ZERO.or(c21).reduceLanes(VectorOperators.ADD);
        dots[10] += INT_ZERO.or(c22).reduceLanes(VectorOperators.ADD);
        dots[11] += INT_ZERO.or(c23).reduceLanes(VectorOperators.ADD);
        dots[12] += INT_ZERO.or(c30).reduceLanes(VectorOperators.ADD);
        dots[13] += INT_ZERO.or(c31).reduceLanes(VectorOperators.ADD);
        dots[14] += INT_ZERO.or(c32).reduceLanes(VectorOperators.ADD);
        dots[15] += INT_ZERO.or(c33).reduceLanes(VectorOperators.ADD);
        return l;
    }

    /** Single steps of {@link #dot4x4} from {@code from}; adds into {@code dots}, returns where it stopped. */
    private static int steps4x4(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int from, int len, int[] dots) {
        IntVector c00 = IntVector.zero(I);
        IntVector c01 = IntVector.zero(I);
        IntVector c02 = IntVector.zero(I);
        IntVector c03 = IntVector.zero(I);
        IntVector c10 = IntVector.zero(I);
        IntVector c11 = IntVector.zero(I);
        IntVector c12 = IntVector.zero(I);
        IntVector c13 = IntVector.zero(I);
        IntVector c20 = IntVector.zero(I);
        IntVector c21 = IntVector.zero(I);
        IntVector c22 = IntVector.zero(I);
        IntVector c23 = IntVector.zero(I);
        IntVector c30 = IntVector.zero(I);
        IntVector c31 = IntVector.zero(I);
        IntVector c32 = IntVector.zero(I);
        IntVector c33 = IntVector.zero(I);
        int l = from;
        for (; l <= len - SL; l += SL) {
            ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector a1 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 1 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector a2 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 2 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector a3 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 3 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector w0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p00 = a0.mul(w0);
            c00 = p00.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c00).add(p00.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p10 = a1.mul(w0);
            c10 = p10.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c10).add(p10.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p20 = a2.mul(w0);
            c20 = p20.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c20).add(p20.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p30 = a3.mul(w0);
            c30 = p30.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c30).add(p30.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector w1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p01 = a0.mul(w1);
            c01 = p01.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c01).add(p01.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p11 = a1.mul(w1);
            c11 = p11.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c11).add(p11.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p21 = a2.mul(w1);
            c21 = p21.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c21).add(p21.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p31 = a3.mul(w1);
            c31 = p31.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c31).add(p31.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector w2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p02 = a0.mul(w2);
            c02 = p02.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c02).add(p02.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p12 = a1.mul(w2);
            c12 = p12.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c12).add(p12.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p22 = a2.mul(w2);
            c22 = p22.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c22).add(p22.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p32 = a3.mul(w2);
            c32 = p32.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c32).add(p32.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector w3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
            ShortVector p03 = a0.mul(w3);
            c03 = p03.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c03).add(p03.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p13 = a1.mul(w3);
            c13 = p13.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c13).add(p13.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p23 = a2.mul(w3);
            c23 = p23.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c23).add(p23.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p33 = a3.mul(w3);
            c33 = p33.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c33).add(p33.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        }
        dots[0] += INT_ZERO.or(c00).reduceLanes(VectorOperators.ADD);
        dots[1] += INT_ZERO.or(c01).reduceLanes(VectorOperators.ADD);
        dots[2] += INT_ZERO.or(c02).reduceLanes(VectorOperators.ADD);
        dots[3] += INT_ZERO.or(c03).reduceLanes(VectorOperators.ADD);
        dots[4] += INT_ZERO.or(c10).reduceLanes(VectorOperators.ADD);
        dots[5] += INT_ZERO.or(c11).reduceLanes(VectorOperators.ADD);
        dots[6] += INT_ZERO.or(c12).reduceLanes(VectorOperators.ADD);
        dots[7] += INT_ZERO.or(c13).reduceLanes(VectorOperators.ADD);
        dots[8] += INT_ZERO.or(c20).reduceLanes(VectorOperators.ADD);
        dots[9] += INT_ZERO.or(c21).reduceLanes(VectorOperators.ADD);
        dots[10] += INT_ZERO.or(c22).reduceLanes(VectorOperators.ADD);
        dots[11] += INT_ZERO.or(c23).reduceLanes(VectorOperators.ADD);
        dots[12] += INT_ZERO.or(c30).reduceLanes(VectorOperators.ADD);
        dots[13] += INT_ZERO.or(c31).reduceLanes(VectorOperators.ADD);
        dots[14] += INT_ZERO.or(c32).reduceLanes(VectorOperators.ADD);
        dots[15] += INT_ZERO.or(c33).reduceLanes(VectorOperators.ADD);
        return l;
    }

    /**
     * {@code dots[j] = Σ_{l<len} x[xOff + l] · y[yOff + j·yStride + l]} for j &lt; 4, exactly.
     *
     * <p>Always pair-sums: with {@code shift = 1} (operands that both reach −128) the paired loop multiplies
     * {@code x + 1 ∈ [−127, 128]}, so a pair sum lies in {@code [−32768, 32512]} and fits a short, and
     * {@code Σ y} over the paired range comes off at the end: {@code ySums[ySumOff + j·ySumStride]} is
     * {@code Σ_{l<len} y[row j][l]} (the weights' or activations' code sums), minus the unshifted rest. There
     * is no unpaired loop: the former one (two S2I per product, sharing this method with the paired one) was
     * seen recompiled with boxed vectors (9.8 GFLOP/s and 92 MB per call at M = 1).
     */
    static void dot1x4(byte[] x, int xOff, byte[] y, int yOff, int yStride, int len, int shift,
                       int[] ySums, int ySumOff, int ySumStride, int[] dots) {
        assert len > 0 && (shift == 0 || shift == 1);
        IntVector c00 = IntVector.zero(I);
        IntVector c01 = IntVector.zero(I);
        IntVector c02 = IntVector.zero(I);
        IntVector c03 = IntVector.zero(I);
        short sh = (short) shift;
        int l = 0;
        for (; l <= len - 2 * SL; l += 2 * SL) {
            ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l).convertShape(VectorOperators.B2S, S, 0)).add(sh);
            ShortVector b0 = ((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l + SL).convertShape(VectorOperators.B2S, S, 0)).add(sh);
                ShortVector p00 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 0 * yStride + l).convertShape(VectorOperators.B2S, S, 0))).add(b0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 0 * yStride + l + SL).convertShape(VectorOperators.B2S, S, 0))));
                c00 = p00.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c00).add(p00.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
                ShortVector p01 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 1 * yStride + l).convertShape(VectorOperators.B2S, S, 0))).add(b0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 1 * yStride + l + SL).convertShape(VectorOperators.B2S, S, 0))));
                c01 = p01.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c01).add(p01.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
                ShortVector p02 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 2 * yStride + l).convertShape(VectorOperators.B2S, S, 0))).add(b0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 2 * yStride + l + SL).convertShape(VectorOperators.B2S, S, 0))));
                c02 = p02.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c02).add(p02.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
                ShortVector p03 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 3 * yStride + l).convertShape(VectorOperators.B2S, S, 0))).add(b0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 3 * yStride + l + SL).convertShape(VectorOperators.B2S, S, 0))));
                c03 = p03.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c03).add(p03.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        }
        int paired = l;
        // the accumulators leave this method's vector code here: a loop-carried vector that also fed the
        // single step below (cold for most lengths) was boxed in the hot loop when C2 compiled that cold code
        // as virtual calls (attempt 47)
        dots[0] = INT_ZERO.or(c00).reduceLanes(VectorOperators.ADD);
        dots[1] = INT_ZERO.or(c01).reduceLanes(VectorOperators.ADD);
        dots[2] = INT_ZERO.or(c02).reduceLanes(VectorOperators.ADD);
        dots[3] = INT_ZERO.or(c03).reduceLanes(VectorOperators.ADD);
        if (len - l >= SL) { // at most one step: the paired loop leaves fewer than 2·SL
            step1x4(x, xOff, y, yOff, yStride, l, dots);
            l += SL;
        }
        for (int j = 0; j < 4; j++) {
            dots[j] += tail(x, xOff, y, yOff + j * yStride, l, len);
        }
        if (shift != 0) {
            for (int j = 0; j < 4; j++) {
                dots[j] -= shiftedSum(y, yOff + j * yStride, paired, len, ySums[ySumOff + j * ySumStride]);
            }
        }
    }

    /** One unpaired step of {@link #dot1x4} at {@code l}, added into {@code dots[0..3]}. */
    private static void step1x4(byte[] x, int xOff, byte[] y, int yOff, int yStride, int l, int[] dots) {
        IntVector c00 = IntVector.zero(I);
        IntVector c01 = IntVector.zero(I);
        IntVector c02 = IntVector.zero(I);
        IntVector c03 = IntVector.zero(I);
        ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l).convertShape(VectorOperators.B2S, S, 0));
        ShortVector p00 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 0 * yStride + l).convertShape(VectorOperators.B2S, S, 0)));
        c00 = p00.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c00).add(p00.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        ShortVector p01 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 1 * yStride + l).convertShape(VectorOperators.B2S, S, 0)));
        c01 = p01.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c01).add(p01.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        ShortVector p02 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 2 * yStride + l).convertShape(VectorOperators.B2S, S, 0)));
        c02 = p02.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c02).add(p02.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        ShortVector p03 = a0.mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + 3 * yStride + l).convertShape(VectorOperators.B2S, S, 0)));
        c03 = p03.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c03).add(p03.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        dots[0] += c00.reduceLanes(VectorOperators.ADD);
        dots[1] += c01.reduceLanes(VectorOperators.ADD);
        dots[2] += c02.reduceLanes(VectorOperators.ADD);
        dots[3] += c03.reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@code Σ_{l<len} x[xOff + l] · y[yOff + l]}, exactly, with two accumulators to hide the add latency;
     * {@code shift} and {@code ySum = Σ_{l<len} y[yOff + l]} as in {@link #dot1x4}.
     */
    static int dot1x1(byte[] x, int xOff, byte[] y, int yOff, int len, int shift, int ySum) {
        assert len > 0 && (shift == 0 || shift == 1);
        IntVector c0 = IntVector.zero(I);
        IntVector c1 = IntVector.zero(I);
        short sh = (short) shift;
        int l = 0;
        for (; l <= len - 4 * SL; l += 4 * SL) {
            ShortVector p0 = ((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l).convertShape(VectorOperators.B2S, S, 0)).add(sh).mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + l).convertShape(VectorOperators.B2S, S, 0))).add(((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l + SL).convertShape(VectorOperators.B2S, S, 0)).add(sh).mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + l + SL).convertShape(VectorOperators.B2S, S, 0))));
            c0 = p0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c0).add(p0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            ShortVector p1 = ((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l + 2 * SL).convertShape(VectorOperators.B2S, S, 0)).add(sh).mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + l + 2 * SL).convertShape(VectorOperators.B2S, S, 0))).add(((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l + 3 * SL).convertShape(VectorOperators.B2S, S, 0)).add(sh).mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + l + 3 * SL).convertShape(VectorOperators.B2S, S, 0))));
            c1 = p1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c1).add(p1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        }
        // the 4-step accumulators end here (see attempt 47 in dot1x4): the at most one 2-step and one single step
        // left run in methods of their own
        int dot = INT_ZERO.or(c0).add(c1).reduceLanes(VectorOperators.ADD);
        if (len - l >= 2 * SL) {
            dot += pair1x1(x, xOff, y, yOff, l, sh);
            l += 2 * SL;
        }
        int paired = l;
        if (len - l >= SL) {
            dot += step1x1(x, xOff, y, yOff, l);
            l += SL;
        }
        dot += tail(x, xOff, y, yOff, l, len);
        return shift != 0 ? dot - shiftedSum(y, yOff, paired, len, ySum) : dot;
    }

    /** One paired step of {@link #dot1x1} at {@code l}. */
    private static int pair1x1(byte[] x, int xOff, byte[] y, int yOff, int l, short sh) {
        IntVector c0 = IntVector.zero(I);
        ShortVector p0 = ((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l).convertShape(VectorOperators.B2S, S, 0)).add(sh).mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + l).convertShape(VectorOperators.B2S, S, 0))).add(((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l + SL).convertShape(VectorOperators.B2S, S, 0)).add(sh).mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + l + SL).convertShape(VectorOperators.B2S, S, 0))));
        c0 = p0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c0).add(p0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        return c0.reduceLanes(VectorOperators.ADD);
    }

    /** One unpaired step of {@link #dot1x1} at {@code l}. */
    private static int step1x1(byte[] x, int xOff, byte[] y, int yOff, int l) {
        IntVector c0 = IntVector.zero(I);
        ShortVector p0 = ((ShortVector) ByteVector.fromArray(B_HALF, x, xOff + l).convertShape(VectorOperators.B2S, S, 0)).mul(((ShortVector) ByteVector.fromArray(B_HALF, y, yOff + l).convertShape(VectorOperators.B2S, S, 0)));
        c0 = p0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(c0).add(p0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
        return c0.reduceLanes(VectorOperators.ADD);
    }

    /** {@code Σ_{l<paired} y[yOff + l]} from the whole sum {@code ySum} over {@code [0, len)}. */
    private static int shiftedSum(byte[] y, int yOff, int paired, int len, int ySum) {
        int s = ySum;
        for (int l = paired; l < len; l++) {
            s -= y[yOff + l];
        }
        return s;
    }

    /** The scalar remainder {@code Σ_{from ≤ l < len} x[xOff + l]·y[yOff + l]}. */
    static int tail(byte[] x, int xOff, byte[] y, int yOff, int from, int len) {
        int s = 0;
        for (int l = from; l < len; l++) {
            s += x[xOff + l] * y[yOff + l];
        }
        return s;
    }
}
