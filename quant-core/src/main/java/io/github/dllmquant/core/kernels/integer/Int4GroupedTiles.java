package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorMath;
import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Micro-kernels of the grouped int4 GEMM (more than one group per row): partial sums of
 * {@code Σ_g sw[o][g] · Σ_{i in g} (q − z[o][g])·a} over the whole row, kept in float lanes.
 *
 * <p>Reducing every (token, row, group) sum across lanes, as the exact per-channel kernels do, costs
 * more than the multiplications at {@code g = 128}. Here the zero point is subtracted while unpacking
 * (two 16-bit subtractions per weight vector, shared by the tile's tokens), so no per-group
 * {@code Σa} correction remains; each group's int16 lane sums (exact) are converted S2F and
 * multiply-added with the group scale into float accumulators, reduced once per tile. The float
 * summation order therefore differs from the scalar specification (outputs agree to float rounding,
 * integer group sums are exact). {@code |q − z| ≤ 15}, so products and flush bounds are those of
 * {@link Int4Tiles}.
 *
 * <p>The upper half of a group's short lanes is converted from a half-width reload of the stored vector
 * ({@code halves}, caller scratch) rather than by {@code convertShape(S2F, F, 1)}: a part other than 0 slices the
 * vector first, and the shuffle intrinsics behind {@code slice} are the ones C2 sometimes leaves unexpanded, which
 * then boxes the float accumulators in the loop (INT-KERNELS attempts 20–21). Same lanes converted, same bits.
 * Lane sums go through {@code lanes} (caller scratch, {@code FL} floats) and the scalar
 * {@link VectorMath#sum(float[], int)} tree.
 */
final class Int4GroupedTiles {

    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
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
    private static final ShortVector SHORT_ZERO = ShortVector.zero(VectorWidth.SHORT);
    private static final FloatVector FLOAT_NEG_ZERO = FloatVector.broadcast(VectorWidth.FLOAT, -0f);
    private static final int SL = Int4Tiles.SL;
    private static final int BLOCK = Int4Tiles.BLOCK;

    private Int4GroupedTiles() {
    }

    /** {@code sums[i·4 + j]} for four tokens (stride {@code aStride}) and the two weight rows {@code o0, o0 + 1} (stride {@code wStride} packed bytes), whole rows. */
    static void dot4x2(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int o0,
                       float[] scales, int[] zeros, int groups, int groupSize, int flushBlocks, short[] halves, float[] lanes, float[] sums) {
        FloatVector f00 = FloatVector.zero(F);
        FloatVector f01 = FloatVector.zero(F);
        FloatVector f10 = FloatVector.zero(F);
        FloatVector f11 = FloatVector.zero(F);
        FloatVector f20 = FloatVector.zero(F);
        FloatVector f21 = FloatVector.zero(F);
        FloatVector f30 = FloatVector.zero(F);
        FloatVector f31 = FloatVector.zero(F);
        int blocksPerGroup = groupSize / BLOCK;
        for (int g = 0; g < groups; g++) {
            ShortVector z0 = ShortVector.broadcast(S, (short) zeros[(o0 + 0) * groups + g]);
            FloatVector s0 = FloatVector.broadcast(F, scales[(o0 + 0) * groups + g]);
            ShortVector z1 = ShortVector.broadcast(S, (short) zeros[(o0 + 1) * groups + g]);
            FloatVector s1 = FloatVector.broadcast(F, scales[(o0 + 1) * groups + g]);
            for (int b0 = g * blocksPerGroup; b0 < (g + 1) * blocksPerGroup; b0 += flushBlocks) {
                int b1 = Math.min((g + 1) * blocksPerGroup, b0 + flushBlocks);
                ShortVector h00 = ShortVector.zero(S);
                ShortVector h01 = ShortVector.zero(S);
                ShortVector h10 = ShortVector.zero(S);
                ShortVector h11 = ShortVector.zero(S);
                ShortVector h20 = ShortVector.zero(S);
                ShortVector h21 = ShortVector.zero(S);
                ShortVector h30 = ShortVector.zero(S);
                ShortVector h31 = ShortVector.zero(S);
                for (int b = b0; b < b1; b++) {
                    int l = b * BLOCK;
                    int lb = b * SL;
                    ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector e0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector a1 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 1 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector e1 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 1 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector a2 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 2 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector e2 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 2 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector a3 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 3 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector e3 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 3 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector q0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    ShortVector lo0 = q0.and((short) 0x0F).sub(z0);
                    ShortVector hi0 = q0.lanewise(VectorOperators.LSHR, 4).sub(z0);
                    h00 = a0.mul(lo0).add(h00).add(e0.mul(hi0));
                    h10 = a1.mul(lo0).add(h10).add(e1.mul(hi0));
                    h20 = a2.mul(lo0).add(h20).add(e2.mul(hi0));
                    h30 = a3.mul(lo0).add(h30).add(e3.mul(hi0));
                    ShortVector q1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    ShortVector lo1 = q1.and((short) 0x0F).sub(z1);
                    ShortVector hi1 = q1.lanewise(VectorOperators.LSHR, 4).sub(z1);
                    h01 = a0.mul(lo1).add(h01).add(e0.mul(hi1));
                    h11 = a1.mul(lo1).add(h11).add(e1.mul(hi1));
                    h21 = a2.mul(lo1).add(h21).add(e2.mul(hi1));
                    h31 = a3.mul(lo1).add(h31).add(e3.mul(hi1));
                }
                f00 = ((FloatVector) SHORT_ZERO.or(h00).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f00);
                SHORT_ZERO.or(h00).intoArray(halves, 0);
                f00 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f00);
                f01 = ((FloatVector) SHORT_ZERO.or(h01).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f01);
                SHORT_ZERO.or(h01).intoArray(halves, 0);
                f01 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f01);
                f10 = ((FloatVector) SHORT_ZERO.or(h10).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f10);
                SHORT_ZERO.or(h10).intoArray(halves, 0);
                f10 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f10);
                f11 = ((FloatVector) SHORT_ZERO.or(h11).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f11);
                SHORT_ZERO.or(h11).intoArray(halves, 0);
                f11 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f11);
                f20 = ((FloatVector) SHORT_ZERO.or(h20).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f20);
                SHORT_ZERO.or(h20).intoArray(halves, 0);
                f20 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f20);
                f21 = ((FloatVector) SHORT_ZERO.or(h21).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f21);
                SHORT_ZERO.or(h21).intoArray(halves, 0);
                f21 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f21);
                f30 = ((FloatVector) SHORT_ZERO.or(h30).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f30);
                SHORT_ZERO.or(h30).intoArray(halves, 0);
                f30 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f30);
                f31 = ((FloatVector) SHORT_ZERO.or(h31).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f31);
                SHORT_ZERO.or(h31).intoArray(halves, 0);
                f31 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f31);
            }
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
                       float[] scales, int[] zeros, int groups, int groupSize, int flushBlocks, short[] halves, float[] lanes, float[] sums) {
        FloatVector f00 = FloatVector.zero(F);
        FloatVector f01 = FloatVector.zero(F);
        FloatVector f02 = FloatVector.zero(F);
        FloatVector f03 = FloatVector.zero(F);
        int blocksPerGroup = groupSize / BLOCK;
        for (int g = 0; g < groups; g++) {
            ShortVector z0 = ShortVector.broadcast(S, (short) zeros[(o0 + 0) * groups + g]);
            FloatVector s0 = FloatVector.broadcast(F, scales[(o0 + 0) * groups + g]);
            ShortVector z1 = ShortVector.broadcast(S, (short) zeros[(o0 + 1) * groups + g]);
            FloatVector s1 = FloatVector.broadcast(F, scales[(o0 + 1) * groups + g]);
            ShortVector z2 = ShortVector.broadcast(S, (short) zeros[(o0 + 2) * groups + g]);
            FloatVector s2 = FloatVector.broadcast(F, scales[(o0 + 2) * groups + g]);
            ShortVector z3 = ShortVector.broadcast(S, (short) zeros[(o0 + 3) * groups + g]);
            FloatVector s3 = FloatVector.broadcast(F, scales[(o0 + 3) * groups + g]);
            for (int b0 = g * blocksPerGroup; b0 < (g + 1) * blocksPerGroup; b0 += flushBlocks) {
                int b1 = Math.min((g + 1) * blocksPerGroup, b0 + flushBlocks);
                ShortVector h00 = ShortVector.zero(S);
                ShortVector h01 = ShortVector.zero(S);
                ShortVector h02 = ShortVector.zero(S);
                ShortVector h03 = ShortVector.zero(S);
                for (int b = b0; b < b1; b++) {
                    int l = b * BLOCK;
                    int lb = b * SL;
                    ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector e0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector q0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    ShortVector lo0 = q0.and((short) 0x0F).sub(z0);
                    ShortVector hi0 = q0.lanewise(VectorOperators.LSHR, 4).sub(z0);
                    h00 = a0.mul(lo0).add(h00).add(e0.mul(hi0));
                    ShortVector q1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    ShortVector lo1 = q1.and((short) 0x0F).sub(z1);
                    ShortVector hi1 = q1.lanewise(VectorOperators.LSHR, 4).sub(z1);
                    h01 = a0.mul(lo1).add(h01).add(e0.mul(hi1));
                    ShortVector q2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    ShortVector lo2 = q2.and((short) 0x0F).sub(z2);
                    ShortVector hi2 = q2.lanewise(VectorOperators.LSHR, 4).sub(z2);
                    h02 = a0.mul(lo2).add(h02).add(e0.mul(hi2));
                    ShortVector q3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    ShortVector lo3 = q3.and((short) 0x0F).sub(z3);
                    ShortVector hi3 = q3.lanewise(VectorOperators.LSHR, 4).sub(z3);
                    h03 = a0.mul(lo3).add(h03).add(e0.mul(hi3));
                }
                f00 = ((FloatVector) SHORT_ZERO.or(h00).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f00);
                SHORT_ZERO.or(h00).intoArray(halves, 0);
                f00 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f00);
                f01 = ((FloatVector) SHORT_ZERO.or(h01).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f01);
                SHORT_ZERO.or(h01).intoArray(halves, 0);
                f01 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s1, f01);
                f02 = ((FloatVector) SHORT_ZERO.or(h02).convertShape(VectorOperators.S2F, F, 0)).fma(s2, f02);
                SHORT_ZERO.or(h02).intoArray(halves, 0);
                f02 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s2, f02);
                f03 = ((FloatVector) SHORT_ZERO.or(h03).convertShape(VectorOperators.S2F, F, 0)).fma(s3, f03);
                SHORT_ZERO.or(h03).intoArray(halves, 0);
                f03 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s3, f03);
            }
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
                       float[] scales, int[] zeros, int groups, int groupSize, int flushBlocks, short[] halves, float[] lanes, float[] sums) {
        FloatVector f00 = FloatVector.zero(F);
        int blocksPerGroup = groupSize / BLOCK;
        for (int g = 0; g < groups; g++) {
            ShortVector z0 = ShortVector.broadcast(S, (short) zeros[(o0 + 0) * groups + g]);
            FloatVector s0 = FloatVector.broadcast(F, scales[(o0 + 0) * groups + g]);
            for (int b0 = g * blocksPerGroup; b0 < (g + 1) * blocksPerGroup; b0 += flushBlocks) {
                int b1 = Math.min((g + 1) * blocksPerGroup, b0 + flushBlocks);
                ShortVector h00 = ShortVector.zero(S);
                for (int b = b0; b < b1; b++) {
                    int l = b * BLOCK;
                    int lb = b * SL;
                    ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector e0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector q0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                    ShortVector lo0 = q0.and((short) 0x0F).sub(z0);
                    ShortVector hi0 = q0.lanewise(VectorOperators.LSHR, 4).sub(z0);
                    h00 = a0.mul(lo0).add(h00).add(e0.mul(hi0));
                }
                f00 = ((FloatVector) SHORT_ZERO.or(h00).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f00);
                SHORT_ZERO.or(h00).intoArray(halves, 0);
                f00 = ((FloatVector) ShortVector.fromArray(S_HALF, halves, SL / 2).convertShape(VectorOperators.S2F, F, 0)).fma(s0, f00);
            }
        }
        FLOAT_NEG_ZERO.add(f00).intoArray(lanes, 0);
        sums[0] = VectorMath.sum(lanes, lanes.length);
    }

}
