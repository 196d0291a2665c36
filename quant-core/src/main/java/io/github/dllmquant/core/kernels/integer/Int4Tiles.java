package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled micro-kernels of the int4-weight GEMMs (W4A8, W4A4): raw sums {@code Σ q·a} of
 * unsigned nibbles {@code q} (packed as {@link Int4Weights} describes, block {@code B = 2·SL}) by
 * centred activation bytes {@code a}, over one group of {@code len} elements (a multiple of B).
 *
 * <p>Per block: {@code SL} packed bytes are zero-extended B2S; {@code AND 0x0F} gives the first half
 * of the block and a 16-bit logical shift by 4 the second half, each lined up with a contiguous run of
 * activations (no shuffles). Products fit int16 ({@code 15·128 = 1920}) and are summed in int16 lanes:
 * two per block, so {@code flushBlocks} blocks may accumulate before the lanes are widened and
 * reduced (8 for int8 activations: {@code 16·1920 = 30720 ≤ 32767}; 128 for int4 ones,
 * {@code 256·120}). The widening splits the int32 view of the short lanes by shifts, not by
 * {@code convertShape(S2I, I, 1)}, which slices (see {@link Int8Tiles}). The loop bodies spell out every
 * Vector API call (see {@link Int8Tiles} on inlining).
 */
final class Int4Tiles {

    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;
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
    private static final ShortVector SHORT_ZERO = ShortVector.zero(VectorWidth.SHORT);
    /** Short lanes per vector: half a block. */
    static final int SL = S.length();
    /** Elements per nibble block. */
    static final int BLOCK = 2 * SL;

    private Int4Tiles() {
    }

    /** Blocks that may be summed in int16 before widening, for activations of {@code activationBits}. */
    static int flushBlocks(int activationBits) {
        return activationBits <= 4 ? 128 : 8;
    }

    /** {@code dots[i·4 + j] = Σ q[row j]·a[token i]} for four tokens (stride {@code aStride} bytes) and four weight rows (stride {@code wStride} packed bytes). */
    static void dot4x4(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int len, int flushBlocks, int[] dots) {
        assert len % BLOCK == 0;
        java.util.Arrays.fill(dots, 0, 16, 0);
        int blocks = len / BLOCK;
        for (int b0 = 0; b0 < blocks; b0 += flushBlocks) {
            int b1 = Math.min(blocks, b0 + flushBlocks);
            ShortVector h00 = ShortVector.zero(S);
            ShortVector h01 = ShortVector.zero(S);
            ShortVector h02 = ShortVector.zero(S);
            ShortVector h03 = ShortVector.zero(S);
            ShortVector h10 = ShortVector.zero(S);
            ShortVector h11 = ShortVector.zero(S);
            ShortVector h12 = ShortVector.zero(S);
            ShortVector h13 = ShortVector.zero(S);
            ShortVector h20 = ShortVector.zero(S);
            ShortVector h21 = ShortVector.zero(S);
            ShortVector h22 = ShortVector.zero(S);
            ShortVector h23 = ShortVector.zero(S);
            ShortVector h30 = ShortVector.zero(S);
            ShortVector h31 = ShortVector.zero(S);
            ShortVector h32 = ShortVector.zero(S);
            ShortVector h33 = ShortVector.zero(S);
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
                ShortVector lo0 = q0.and((short) 0x0F);
                ShortVector hi0 = q0.lanewise(VectorOperators.LSHR, 4);
                h00 = a0.mul(lo0).add(h00).add(e0.mul(hi0));
                h10 = a1.mul(lo0).add(h10).add(e1.mul(hi0));
                h20 = a2.mul(lo0).add(h20).add(e2.mul(hi0));
                h30 = a3.mul(lo0).add(h30).add(e3.mul(hi0));
                ShortVector q1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                ShortVector lo1 = q1.and((short) 0x0F);
                ShortVector hi1 = q1.lanewise(VectorOperators.LSHR, 4);
                h01 = a0.mul(lo1).add(h01).add(e0.mul(hi1));
                h11 = a1.mul(lo1).add(h11).add(e1.mul(hi1));
                h21 = a2.mul(lo1).add(h21).add(e2.mul(hi1));
                h31 = a3.mul(lo1).add(h31).add(e3.mul(hi1));
                ShortVector q2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                ShortVector lo2 = q2.and((short) 0x0F);
                ShortVector hi2 = q2.lanewise(VectorOperators.LSHR, 4);
                h02 = a0.mul(lo2).add(h02).add(e0.mul(hi2));
                h12 = a1.mul(lo2).add(h12).add(e1.mul(hi2));
                h22 = a2.mul(lo2).add(h22).add(e2.mul(hi2));
                h32 = a3.mul(lo2).add(h32).add(e3.mul(hi2));
                ShortVector q3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                ShortVector lo3 = q3.and((short) 0x0F);
                ShortVector hi3 = q3.lanewise(VectorOperators.LSHR, 4);
                h03 = a0.mul(lo3).add(h03).add(e0.mul(hi3));
                h13 = a1.mul(lo3).add(h13).add(e1.mul(hi3));
                h23 = a2.mul(lo3).add(h23).add(e2.mul(hi3));
                h33 = a3.mul(lo3).add(h33).add(e3.mul(hi3));
            }
            dots[0] += (SHORT_ZERO.or(h00).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h00).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[1] += (SHORT_ZERO.or(h01).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h01).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[2] += (SHORT_ZERO.or(h02).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h02).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[3] += (SHORT_ZERO.or(h03).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h03).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[4] += (SHORT_ZERO.or(h10).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h10).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[5] += (SHORT_ZERO.or(h11).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h11).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[6] += (SHORT_ZERO.or(h12).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h12).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[7] += (SHORT_ZERO.or(h13).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h13).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[8] += (SHORT_ZERO.or(h20).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h20).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[9] += (SHORT_ZERO.or(h21).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h21).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[10] += (SHORT_ZERO.or(h22).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h22).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[11] += (SHORT_ZERO.or(h23).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h23).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[12] += (SHORT_ZERO.or(h30).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h30).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[13] += (SHORT_ZERO.or(h31).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h31).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[14] += (SHORT_ZERO.or(h32).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h32).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[15] += (SHORT_ZERO.or(h33).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h33).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
        }
    }

    /** {@code dots[j] = Σ q[row j]·a} for one token and four weight rows. */
    static void dot1x4(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int len, int flushBlocks, int[] dots) {
        assert len % BLOCK == 0;
        java.util.Arrays.fill(dots, 0, 4, 0);
        int blocks = len / BLOCK;
        for (int b0 = 0; b0 < blocks; b0 += flushBlocks) {
            int b1 = Math.min(blocks, b0 + flushBlocks);
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
                ShortVector lo0 = q0.and((short) 0x0F);
                ShortVector hi0 = q0.lanewise(VectorOperators.LSHR, 4);
                h00 = a0.mul(lo0).add(h00).add(e0.mul(hi0));
                ShortVector q1 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 1 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                ShortVector lo1 = q1.and((short) 0x0F);
                ShortVector hi1 = q1.lanewise(VectorOperators.LSHR, 4);
                h01 = a0.mul(lo1).add(h01).add(e0.mul(hi1));
                ShortVector q2 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 2 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                ShortVector lo2 = q2.and((short) 0x0F);
                ShortVector hi2 = q2.lanewise(VectorOperators.LSHR, 4);
                h02 = a0.mul(lo2).add(h02).add(e0.mul(hi2));
                ShortVector q3 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 3 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                ShortVector lo3 = q3.and((short) 0x0F);
                ShortVector hi3 = q3.lanewise(VectorOperators.LSHR, 4);
                h03 = a0.mul(lo3).add(h03).add(e0.mul(hi3));
            }
            dots[0] += (SHORT_ZERO.or(h00).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h00).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[1] += (SHORT_ZERO.or(h01).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h01).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[2] += (SHORT_ZERO.or(h02).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h02).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
            dots[3] += (SHORT_ZERO.or(h03).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h03).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
        }
    }

    /** {@code dots[0] = Σ q·a} for one token and one weight row. */
    static void dot1x1(byte[] a, int aOff, int aStride, byte[] w, int wOff, int wStride, int len, int flushBlocks, int[] dots) {
        assert len % BLOCK == 0;
        java.util.Arrays.fill(dots, 0, 1, 0);
        int blocks = len / BLOCK;
        for (int b0 = 0; b0 < blocks; b0 += flushBlocks) {
            int b1 = Math.min(blocks, b0 + flushBlocks);
            ShortVector h00 = ShortVector.zero(S);
            for (int b = b0; b < b1; b++) {
                int l = b * BLOCK;
                int lb = b * SL;
                ShortVector a0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l).convertShape(VectorOperators.B2S, S, 0));
                ShortVector e0 = ((ShortVector) ByteVector.fromArray(B_HALF, a, aOff + 0 * aStride + l + SL).convertShape(VectorOperators.B2S, S, 0));
                ShortVector q0 = ((ShortVector) ByteVector.fromArray(B_HALF, w, wOff + 0 * wStride + lb).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0));
                ShortVector lo0 = q0.and((short) 0x0F);
                ShortVector hi0 = q0.lanewise(VectorOperators.LSHR, 4);
                h00 = a0.mul(lo0).add(h00).add(e0.mul(hi0));
            }
            dots[0] += (SHORT_ZERO.or(h00).reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(SHORT_ZERO.or(h00).reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
        }
    }

}
