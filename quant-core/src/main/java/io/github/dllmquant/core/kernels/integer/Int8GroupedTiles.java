package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorMath;
import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Micro-kernels of the grouped int8 GEMM for weights whose centred zero points are all 0 (symmetric
 * 8-bit grids): {@code Σ_g sw[o][g] · Σ_{i in g} w·a} over whole rows, in float lanes. Each group's int32
 * lane sums (exact, int16 pair sums as in {@link Int8Tiles}) are converted I2F and multiply-added with
 * the group scale; one reduction per tile instead of one per (token, row, group). Needs pair-summable
 * operands and a group size that is a multiple of two steps ({@code 2·SL}). Float summation order differs
 * from the scalar specification.
 *
 * <p>Int32 lane {@code i} of a group sum holds short lanes {@code i} and {@code i + IL} of every pair-sum
 * vector, and the float lanes (hence the bits) depend on that split. The upper half used to be widened by
 * {@code convertShape(S2I, I, 1)}, which slices first (a shuffle intrinsic that C2 sometimes leaves
 * unexpanded, boxing the accumulators: INT-KERNELS attempts 20 and 40); now each pair-sum vector is stored
 * into {@code halves} (caller scratch, {@link #HALVES} shorts, one slot per cell) and its upper half reloaded
 * with the half-width species and widened with part 0: the same lanes, the same bits. {@code lanes} (caller
 * scratch, FL floats) takes the float accumulators for the scalar tree sum.
 */
final class Int8GroupedTiles {

    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Byte> B_HALF = PanamaIntegerKernels.B_HALF;
    private static final VectorSpecies<Short> S_HALF = S.withShape(VectorShape.forBitSize(VectorWidth.BITS / 2));
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
    private static final FloatVector FLOAT_NEG_ZERO = FloatVector.broadcast(VectorWidth.FLOAT, -0f);
    /** Bytes per step. */
    static final int SL = S.length();
    private static final int IL = I.length();
    /** Shorts of {@code halves} scratch a tile call needs: one product vector per cell of the largest tile. */
    static final int HALVES = 8 * SL;

    private Int8GroupedTiles() {
    }

    /** {@code sums[i·4 + j]} for four tokens (stride {@code aStride}) and weight rows {@code o0, o0 + 1} (stride {@code wStride}), whole rows. */
    static void dot4x2(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int o0,
                       float[] scales, int groups, int groupSize, short[] halves, float[] lanes, float[] sums) {
        FloatVector f00 = FloatVector.zero(F);
        FloatVector f01 = FloatVector.zero(F);
        FloatVector f10 = FloatVector.zero(F);
        FloatVector f11 = FloatVector.zero(F);
        FloatVector f20 = FloatVector.zero(F);
        FloatVector f21 = FloatVector.zero(F);
        FloatVector f30 = FloatVector.zero(F);
        FloatVector f31 = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            IntVector c00 = IntVector.zero(I);
            IntVector c01 = IntVector.zero(I);
            IntVector c10 = IntVector.zero(I);
            IntVector c11 = IntVector.zero(I);
            IntVector c20 = IntVector.zero(I);
            IntVector c21 = IntVector.zero(I);
            IntVector c30 = IntVector.zero(I);
            IntVector c31 = IntVector.zero(I);
            for (int l = g * groupSize; l < (g + 1) * groupSize; l += 2 * SL) {
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
                p00.intoArray(halves, 0);
                c00 = ((IntVector) p00.convertShape(VectorOperators.S2I, I, 0)).add(c00).add((IntVector) ShortVector.fromArray(S_HALF, halves, 0 + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector p10 = a1.mul(w0).add(b1.mul(v0));
                p10.intoArray(halves, 1 * SL);
                c10 = ((IntVector) p10.convertShape(VectorOperators.S2I, I, 0)).add(c10).add((IntVector) ShortVector.fromArray(S_HALF, halves, 1 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector p20 = a2.mul(w0).add(b2.mul(v0));
                p20.intoArray(halves, 2 * SL);
                c20 = ((IntVector) p20.convertShape(VectorOperators.S2I, I, 0)).add(c20).add((IntVector) ShortVector.fromArray(S_HALF, halves, 2 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector p30 = a3.mul(w0).add(b3.mul(v0));
                p30.intoArray(halves, 3 * SL);
                c30 = ((IntVector) p30.convertShape(VectorOperators.S2I, I, 0)).add(c30).add((IntVector) ShortVector.fromArray(S_HALF, halves, 3 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector w1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector v1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector p01 = a0.mul(w1).add(b0.mul(v1));
                p01.intoArray(halves, 4 * SL);
                c01 = ((IntVector) p01.convertShape(VectorOperators.S2I, I, 0)).add(c01).add((IntVector) ShortVector.fromArray(S_HALF, halves, 4 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector p11 = a1.mul(w1).add(b1.mul(v1));
                p11.intoArray(halves, 5 * SL);
                c11 = ((IntVector) p11.convertShape(VectorOperators.S2I, I, 0)).add(c11).add((IntVector) ShortVector.fromArray(S_HALF, halves, 5 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector p21 = a2.mul(w1).add(b2.mul(v1));
                p21.intoArray(halves, 6 * SL);
                c21 = ((IntVector) p21.convertShape(VectorOperators.S2I, I, 0)).add(c21).add((IntVector) ShortVector.fromArray(S_HALF, halves, 6 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector p31 = a3.mul(w1).add(b3.mul(v1));
                p31.intoArray(halves, 7 * SL);
                c31 = ((IntVector) p31.convertShape(VectorOperators.S2I, I, 0)).add(c31).add((IntVector) ShortVector.fromArray(S_HALF, halves, 7 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
            }
            FloatVector s0 = FloatVector.broadcast(F, scales[(o0 + 0) * groups + g]);
            FloatVector s1 = FloatVector.broadcast(F, scales[(o0 + 1) * groups + g]);
            f00 = ((FloatVector) INT_ZERO.or(c00).convertShape(VectorOperators.I2F, F, 0)).fma(s0, f00);
            f01 = ((FloatVector) INT_ZERO.or(c01).convertShape(VectorOperators.I2F, F, 0)).fma(s1, f01);
            f10 = ((FloatVector) INT_ZERO.or(c10).convertShape(VectorOperators.I2F, F, 0)).fma(s0, f10);
            f11 = ((FloatVector) INT_ZERO.or(c11).convertShape(VectorOperators.I2F, F, 0)).fma(s1, f11);
            f20 = ((FloatVector) INT_ZERO.or(c20).convertShape(VectorOperators.I2F, F, 0)).fma(s0, f20);
            f21 = ((FloatVector) INT_ZERO.or(c21).convertShape(VectorOperators.I2F, F, 0)).fma(s1, f21);
            f30 = ((FloatVector) INT_ZERO.or(c30).convertShape(VectorOperators.I2F, F, 0)).fma(s0, f30);
            f31 = ((FloatVector) INT_ZERO.or(c31).convertShape(VectorOperators.I2F, F, 0)).fma(s1, f31);
        }
        FLOAT_NEG_ZERO.add(f00).intoArray(lanes, 0);
        sums[0] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f01).intoArray(lanes, 0);
        sums[1] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f10).intoArray(lanes, 0);
        sums[4] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f11).intoArray(lanes, 0);
        sums[5] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f20).intoArray(lanes, 0);
        sums[8] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f21).intoArray(lanes, 0);
        sums[9] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f30).intoArray(lanes, 0);
        sums[12] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f31).intoArray(lanes, 0);
        sums[13] = VectorMath.sum(lanes, lanes.length);
    }

    /** {@code sums[j]} for one token and the four weight rows from {@code o0}. */
    static void dot1x4(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int o0,
                       float[] scales, int groups, int groupSize, short[] halves, float[] lanes, float[] sums) {
        FloatVector f00 = FloatVector.zero(F);
        FloatVector f01 = FloatVector.zero(F);
        FloatVector f02 = FloatVector.zero(F);
        FloatVector f03 = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            IntVector c00 = IntVector.zero(I);
            IntVector c01 = IntVector.zero(I);
            IntVector c02 = IntVector.zero(I);
            IntVector c03 = IntVector.zero(I);
            for (int l = g * groupSize; l < (g + 1) * groupSize; l += 2 * SL) {
                ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector b0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector w0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector v0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector p00 = a0.mul(w0).add(b0.mul(v0));
                p00.intoArray(halves, 0);
                c00 = ((IntVector) p00.convertShape(VectorOperators.S2I, I, 0)).add(c00).add((IntVector) ShortVector.fromArray(S_HALF, halves, 0 + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector w1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector v1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector p01 = a0.mul(w1).add(b0.mul(v1));
                p01.intoArray(halves, 1 * SL);
                c01 = ((IntVector) p01.convertShape(VectorOperators.S2I, I, 0)).add(c01).add((IntVector) ShortVector.fromArray(S_HALF, halves, 1 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector w2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector v2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector p02 = a0.mul(w2).add(b0.mul(v2));
                p02.intoArray(halves, 2 * SL);
                c02 = ((IntVector) p02.convertShape(VectorOperators.S2I, I, 0)).add(c02).add((IntVector) ShortVector.fromArray(S_HALF, halves, 2 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
                ShortVector w3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector v3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector p03 = a0.mul(w3).add(b0.mul(v3));
                p03.intoArray(halves, 3 * SL);
                c03 = ((IntVector) p03.convertShape(VectorOperators.S2I, I, 0)).add(c03).add((IntVector) ShortVector.fromArray(S_HALF, halves, 3 * SL + IL).convertShape(VectorOperators.S2I, I, 0));
            }
            FloatVector s0 = FloatVector.broadcast(F, scales[(o0 + 0) * groups + g]);
            FloatVector s1 = FloatVector.broadcast(F, scales[(o0 + 1) * groups + g]);
            FloatVector s2 = FloatVector.broadcast(F, scales[(o0 + 2) * groups + g]);
            FloatVector s3 = FloatVector.broadcast(F, scales[(o0 + 3) * groups + g]);
            f00 = ((FloatVector) INT_ZERO.or(c00).convertShape(VectorOperators.I2F, F, 0)).fma(s0, f00);
            f01 = ((FloatVector) INT_ZERO.or(c01).convertShape(VectorOperators.I2F, F, 0)).fma(s1, f01);
            f02 = ((FloatVector) INT_ZERO.or(c02).convertShape(VectorOperators.I2F, F, 0)).fma(s2, f02);
            f03 = ((FloatVector) INT_ZERO.or(c03).convertShape(VectorOperators.I2F, F, 0)).fma(s3, f03);
        }
        FLOAT_NEG_ZERO.add(f00).intoArray(lanes, 0);
        sums[0] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f01).intoArray(lanes, 0);
        sums[1] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f02).intoArray(lanes, 0);
        sums[2] = VectorMath.sum(lanes, lanes.length);
        FLOAT_NEG_ZERO.add(f03).intoArray(lanes, 0);
        sums[3] = VectorMath.sum(lanes, lanes.length);
    }

    /** {@code sums[0]} for one token and weight row {@code o0}. */
    static void dot1x1(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int o0,
                       float[] scales, int groups, int groupSize, short[] halves, float[] lanes, float[] sums) {
        FloatVector f00 = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            IntVector c00 = IntVector.zero(I);
            for (int l = g * groupSize; l < (g + 1) * groupSize; l += 2 * SL) {
                ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector b0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector w0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector v0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector p00 = a0.mul(w0).add(b0.mul(v0));
                p00.intoArray(halves, 0);
                c00 = ((IntVector) p00.convertShape(VectorOperators.S2I, I, 0)).add(c00).add((IntVector) ShortVector.fromArray(S_HALF, halves, 0 + IL).convertShape(VectorOperators.S2I, I, 0));
            }
            FloatVector s0 = FloatVector.broadcast(F, scales[(o0 + 0) * groups + g]);
            f00 = ((FloatVector) INT_ZERO.or(c00).convertShape(VectorOperators.I2F, F, 0)).fma(s0, f00);
        }
        FLOAT_NEG_ZERO.add(f00).intoArray(lanes, 0);
        sums[0] = VectorMath.sum(lanes, lanes.length);
    }

}
