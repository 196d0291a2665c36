package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The tiles of the grouped int4 GEMM ({@link Int16Gemm}) on the panel layout ({@link Int4OuterTiles#panels}, the only
 * code layout of {@link Int4Weights#panelled()} weights): 1-4 tokens against a panel of {@link Int4OuterTiles#PANEL}
 * rows, vector lanes over output rows, the nibbles unpacked in registers (one zero-extending load, {@code and} and a
 * shift per pair step, shared by the tile's tokens). Bit-identical to the scalar specification
 * {@link ScalarIntegerKernels#gemm(Int4Weights, QuantizedActivations, float[], int, int)}. They replaced both the
 * k-lane {@link Int4GroupedTiles} (M &lt; 4, on row-major nibbles) and session 6's {@code outer4x2}, which met
 * {@code q − z} panels unpacked per call into int scratch: 4× the bytes per pair step from L2 (INT-KERNELS 90-92).
 *
 * <p>Lane arithmetic per (token, row): raw unsigned codes ({@code q ∈ [0, 15]}) times centred activation codes
 * ({@code |a| ≤ 128}): a 16-bit {@code mul} + {@code add} per pair step sums one even-k and one odd-k product in the
 * two shorts of an int32 lane; after {@link Int4OuterTiles#CHUNK} steps ({@code 16·15·128 = 30720} fits a short) both
 * shorts go into the int32 group sum {@code D = Σ q·a}; per group {@code exact = D − za·Σq − z·(Σa − n·za)} (the
 * spec's {@link IntegerKernels#correctedDot}, exact in int for these bounds) and {@code acc += float(exact)·sw}, two
 * float roundings, groups in order from {@code 0f}; the caller multiplies by the token scale. Zero points enter
 * only in the group epilogue, so the inner loop has no subtractions.
 *
 * <p>JIT rule (INT-KERNELS attempts 47, 74, and phi7's 80-85 in {@link Int16Tiles}): no Vector API instance call has
 * a loop-carried vector as its receiver. Inside the loops the accumulator is the argument ({@code x.add(acc)}); after
 * the pair-step loop the short sums enter the split as the argument of an add on {@code SHORT_ZERO}, a static final
 * constant of exact class ({@code 0 + x == x}); the int32 group sums are only arguments; the float accumulators are
 * not loop-carried at all: they live in {@code acc} (one load and store per group and vector, i.e. per 64 pair steps
 * at g = 128).
 */
final class Int4NibbleTiles {

    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Byte> B_HALF = PanamaIntegerKernels.B_HALF;
    private static final int SL = S.length();
    private static final int IL = I.length();
    private static final int PANEL = Int4OuterTiles.PANEL;
    private static final int CHUNK = Int4OuterTiles.CHUNK;
    /** A receiver of exact class for the short sums after their loop (a factory call in the method returns the abstract type). */
    private static final ShortVector SHORT_ZERO = ShortVector.zero(S);

    private Int4NibbleTiles() {
    }

    /**
     * One token (pairs at {@code aOff}, zero point {@code za0}, code sums at {@code aSums[aSumOff + g]}) against the
     * panel whose codes start at {@code base} and whose metadata start at {@code meta}: {@code acc[r]}.
     */
    static void gemv1(int[] a, int aOff, byte[] nib, int base, int[] zeros, int[] sums, float[] scales, int meta,
                      int[] aSums, int aSumOff, int za0, int groups, int groupSize, float[] acc) {
        FloatVector.zero(F).intoArray(acc, 0);
        FloatVector.zero(F).intoArray(acc, IL);
        int groupPairs = groupSize / 2;
        for (int g = 0; g < groups; g++) {
            IntVector d00 = IntVector.zero(I);
            IntVector d01 = IntVector.zero(I);
            for (int c = g * groupPairs; c < (g + 1) * groupPairs; c += CHUNK) {
                ShortVector s00 = ShortVector.zero(S);
                ShortVector s01 = ShortVector.zero(S);
                for (int p = c; p < c + CHUNK; p++) {
                    ShortVector q = (ShortVector) ByteVector.fromArray(B_HALF, nib, base + p * SL).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector lo = q.and((short) 0x0F);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
                    ShortVector b;
                    b = IntVector.broadcast(I, a[aOff + p]).reinterpretAsShorts();
                    s00 = b.mul(lo).add(s00);
                    s01 = b.mul(hi).add(s01);
                }
                // both shorts of each int lane into the int32 group sum; the loop-carried vectors only as arguments
                IntVector x;
                x = SHORT_ZERO.add(s00).reinterpretAsInts();
                d00 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d00);
                x = SHORT_ZERO.add(s01).reinterpretAsInts();
                d01 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d01);
            }
            int m = meta + g * PANEL;
            IntVector q0 = IntVector.fromArray(I, sums, m);
            IntVector q1 = IntVector.fromArray(I, sums, m + IL);
            IntVector z0 = IntVector.fromArray(I, zeros, m);
            IntVector z1 = IntVector.fromArray(I, zeros, m + IL);
            FloatVector w0 = FloatVector.fromArray(F, scales, m);
            FloatVector w1 = FloatVector.fromArray(F, scales, m + IL);
            int ca;
            IntVector e;
            // exact = D − za·Σq − z·(Σa − n·za), then acc + float(exact)·sw: the spec's value and two roundings
            ca = aSums[aSumOff + g] - groupSize * za0;
            e = q0.mul(-za0).sub(z0.mul(ca)).add(d00);
            FloatVector.fromArray(F, acc, 0).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 0);
            e = q1.mul(-za0).sub(z1.mul(ca)).add(d01);
            FloatVector.fromArray(F, acc, IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, IL);
        }
    }

    /** {@link #gemv1} for 2 tokens (pairs at {@code aOff + i·aStride}, sums at {@code aSumOff + i·groups}): {@code acc[i·PANEL + r]}. */
    static void gemv2(int[] a, int aOff, int aStride, byte[] nib, int base, int[] zeros, int[] sums, float[] scales, int meta,
                      int[] aSums, int aSumOff, int za0, int za1, int groups, int groupSize, float[] acc) {
        FloatVector.zero(F).intoArray(acc, 0);
        FloatVector.zero(F).intoArray(acc, IL);
        FloatVector.zero(F).intoArray(acc, 1 * PANEL);
        FloatVector.zero(F).intoArray(acc, 1 * PANEL + IL);
        int groupPairs = groupSize / 2;
        for (int g = 0; g < groups; g++) {
            IntVector d00 = IntVector.zero(I);
            IntVector d01 = IntVector.zero(I);
            IntVector d10 = IntVector.zero(I);
            IntVector d11 = IntVector.zero(I);
            for (int c = g * groupPairs; c < (g + 1) * groupPairs; c += CHUNK) {
                ShortVector s00 = ShortVector.zero(S);
                ShortVector s01 = ShortVector.zero(S);
                ShortVector s10 = ShortVector.zero(S);
                ShortVector s11 = ShortVector.zero(S);
                for (int p = c; p < c + CHUNK; p++) {
                    ShortVector q = (ShortVector) ByteVector.fromArray(B_HALF, nib, base + p * SL).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector lo = q.and((short) 0x0F);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
                    ShortVector b;
                    b = IntVector.broadcast(I, a[aOff + p]).reinterpretAsShorts();
                    s00 = b.mul(lo).add(s00);
                    s01 = b.mul(hi).add(s01);
                    b = IntVector.broadcast(I, a[aOff + aStride + p]).reinterpretAsShorts();
                    s10 = b.mul(lo).add(s10);
                    s11 = b.mul(hi).add(s11);
                }
                // both shorts of each int lane into the int32 group sum; the loop-carried vectors only as arguments
                IntVector x;
                x = SHORT_ZERO.add(s00).reinterpretAsInts();
                d00 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d00);
                x = SHORT_ZERO.add(s01).reinterpretAsInts();
                d01 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d01);
                x = SHORT_ZERO.add(s10).reinterpretAsInts();
                d10 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d10);
                x = SHORT_ZERO.add(s11).reinterpretAsInts();
                d11 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d11);
            }
            int m = meta + g * PANEL;
            IntVector q0 = IntVector.fromArray(I, sums, m);
            IntVector q1 = IntVector.fromArray(I, sums, m + IL);
            IntVector z0 = IntVector.fromArray(I, zeros, m);
            IntVector z1 = IntVector.fromArray(I, zeros, m + IL);
            FloatVector w0 = FloatVector.fromArray(F, scales, m);
            FloatVector w1 = FloatVector.fromArray(F, scales, m + IL);
            int ca;
            IntVector e;
            // exact = D − za·Σq − z·(Σa − n·za), then acc + float(exact)·sw: the spec's value and two roundings
            ca = aSums[aSumOff + g] - groupSize * za0;
            e = q0.mul(-za0).sub(z0.mul(ca)).add(d00);
            FloatVector.fromArray(F, acc, 0).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 0);
            e = q1.mul(-za0).sub(z1.mul(ca)).add(d01);
            FloatVector.fromArray(F, acc, IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, IL);
            ca = aSums[aSumOff + groups + g] - groupSize * za1;
            e = q0.mul(-za1).sub(z0.mul(ca)).add(d10);
            FloatVector.fromArray(F, acc, 1 * PANEL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 1 * PANEL);
            e = q1.mul(-za1).sub(z1.mul(ca)).add(d11);
            FloatVector.fromArray(F, acc, 1 * PANEL + IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, 1 * PANEL + IL);
        }
    }

    /** {@link #gemv1} for 3 tokens (pairs at {@code aOff + i·aStride}, sums at {@code aSumOff + i·groups}): {@code acc[i·PANEL + r]}. */
    static void gemv3(int[] a, int aOff, int aStride, byte[] nib, int base, int[] zeros, int[] sums, float[] scales, int meta,
                      int[] aSums, int aSumOff, int za0, int za1, int za2, int groups, int groupSize, float[] acc) {
        FloatVector.zero(F).intoArray(acc, 0);
        FloatVector.zero(F).intoArray(acc, IL);
        FloatVector.zero(F).intoArray(acc, 1 * PANEL);
        FloatVector.zero(F).intoArray(acc, 1 * PANEL + IL);
        FloatVector.zero(F).intoArray(acc, 2 * PANEL);
        FloatVector.zero(F).intoArray(acc, 2 * PANEL + IL);
        int groupPairs = groupSize / 2;
        for (int g = 0; g < groups; g++) {
            IntVector d00 = IntVector.zero(I);
            IntVector d01 = IntVector.zero(I);
            IntVector d10 = IntVector.zero(I);
            IntVector d11 = IntVector.zero(I);
            IntVector d20 = IntVector.zero(I);
            IntVector d21 = IntVector.zero(I);
            for (int c = g * groupPairs; c < (g + 1) * groupPairs; c += CHUNK) {
                ShortVector s00 = ShortVector.zero(S);
                ShortVector s01 = ShortVector.zero(S);
                ShortVector s10 = ShortVector.zero(S);
                ShortVector s11 = ShortVector.zero(S);
                ShortVector s20 = ShortVector.zero(S);
                ShortVector s21 = ShortVector.zero(S);
                for (int p = c; p < c + CHUNK; p++) {
                    ShortVector q = (ShortVector) ByteVector.fromArray(B_HALF, nib, base + p * SL).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector lo = q.and((short) 0x0F);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
                    ShortVector b;
                    b = IntVector.broadcast(I, a[aOff + p]).reinterpretAsShorts();
                    s00 = b.mul(lo).add(s00);
                    s01 = b.mul(hi).add(s01);
                    b = IntVector.broadcast(I, a[aOff + aStride + p]).reinterpretAsShorts();
                    s10 = b.mul(lo).add(s10);
                    s11 = b.mul(hi).add(s11);
                    b = IntVector.broadcast(I, a[aOff + 2 * aStride + p]).reinterpretAsShorts();
                    s20 = b.mul(lo).add(s20);
                    s21 = b.mul(hi).add(s21);
                }
                // both shorts of each int lane into the int32 group sum; the loop-carried vectors only as arguments
                IntVector x;
                x = SHORT_ZERO.add(s00).reinterpretAsInts();
                d00 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d00);
                x = SHORT_ZERO.add(s01).reinterpretAsInts();
                d01 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d01);
                x = SHORT_ZERO.add(s10).reinterpretAsInts();
                d10 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d10);
                x = SHORT_ZERO.add(s11).reinterpretAsInts();
                d11 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d11);
                x = SHORT_ZERO.add(s20).reinterpretAsInts();
                d20 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d20);
                x = SHORT_ZERO.add(s21).reinterpretAsInts();
                d21 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d21);
            }
            int m = meta + g * PANEL;
            IntVector q0 = IntVector.fromArray(I, sums, m);
            IntVector q1 = IntVector.fromArray(I, sums, m + IL);
            IntVector z0 = IntVector.fromArray(I, zeros, m);
            IntVector z1 = IntVector.fromArray(I, zeros, m + IL);
            FloatVector w0 = FloatVector.fromArray(F, scales, m);
            FloatVector w1 = FloatVector.fromArray(F, scales, m + IL);
            int ca;
            IntVector e;
            // exact = D − za·Σq − z·(Σa − n·za), then acc + float(exact)·sw: the spec's value and two roundings
            ca = aSums[aSumOff + g] - groupSize * za0;
            e = q0.mul(-za0).sub(z0.mul(ca)).add(d00);
            FloatVector.fromArray(F, acc, 0).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 0);
            e = q1.mul(-za0).sub(z1.mul(ca)).add(d01);
            FloatVector.fromArray(F, acc, IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, IL);
            ca = aSums[aSumOff + groups + g] - groupSize * za1;
            e = q0.mul(-za1).sub(z0.mul(ca)).add(d10);
            FloatVector.fromArray(F, acc, 1 * PANEL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 1 * PANEL);
            e = q1.mul(-za1).sub(z1.mul(ca)).add(d11);
            FloatVector.fromArray(F, acc, 1 * PANEL + IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, 1 * PANEL + IL);
            ca = aSums[aSumOff + 2 * groups + g] - groupSize * za2;
            e = q0.mul(-za2).sub(z0.mul(ca)).add(d20);
            FloatVector.fromArray(F, acc, 2 * PANEL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 2 * PANEL);
            e = q1.mul(-za2).sub(z1.mul(ca)).add(d21);
            FloatVector.fromArray(F, acc, 2 * PANEL + IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, 2 * PANEL + IL);
        }
    }

    /** {@link #gemv1} for 4 tokens (pairs at {@code aOff + i·aStride}, sums at {@code aSumOff + i·groups}): {@code acc[i·PANEL + r]}. */
    static void gemv4(int[] a, int aOff, int aStride, byte[] nib, int base, int[] zeros, int[] sums, float[] scales, int meta,
                      int[] aSums, int aSumOff, int za0, int za1, int za2, int za3, int groups, int groupSize, float[] acc) {
        FloatVector.zero(F).intoArray(acc, 0);
        FloatVector.zero(F).intoArray(acc, IL);
        FloatVector.zero(F).intoArray(acc, 1 * PANEL);
        FloatVector.zero(F).intoArray(acc, 1 * PANEL + IL);
        FloatVector.zero(F).intoArray(acc, 2 * PANEL);
        FloatVector.zero(F).intoArray(acc, 2 * PANEL + IL);
        FloatVector.zero(F).intoArray(acc, 3 * PANEL);
        FloatVector.zero(F).intoArray(acc, 3 * PANEL + IL);
        int groupPairs = groupSize / 2;
        for (int g = 0; g < groups; g++) {
            IntVector d00 = IntVector.zero(I);
            IntVector d01 = IntVector.zero(I);
            IntVector d10 = IntVector.zero(I);
            IntVector d11 = IntVector.zero(I);
            IntVector d20 = IntVector.zero(I);
            IntVector d21 = IntVector.zero(I);
            IntVector d30 = IntVector.zero(I);
            IntVector d31 = IntVector.zero(I);
            for (int c = g * groupPairs; c < (g + 1) * groupPairs; c += CHUNK) {
                ShortVector s00 = ShortVector.zero(S);
                ShortVector s01 = ShortVector.zero(S);
                ShortVector s10 = ShortVector.zero(S);
                ShortVector s11 = ShortVector.zero(S);
                ShortVector s20 = ShortVector.zero(S);
                ShortVector s21 = ShortVector.zero(S);
                ShortVector s30 = ShortVector.zero(S);
                ShortVector s31 = ShortVector.zero(S);
                for (int p = c; p < c + CHUNK; p++) {
                    ShortVector q = (ShortVector) ByteVector.fromArray(B_HALF, nib, base + p * SL).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector lo = q.and((short) 0x0F);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
                    ShortVector b;
                    b = IntVector.broadcast(I, a[aOff + p]).reinterpretAsShorts();
                    s00 = b.mul(lo).add(s00);
                    s01 = b.mul(hi).add(s01);
                    b = IntVector.broadcast(I, a[aOff + aStride + p]).reinterpretAsShorts();
                    s10 = b.mul(lo).add(s10);
                    s11 = b.mul(hi).add(s11);
                    b = IntVector.broadcast(I, a[aOff + 2 * aStride + p]).reinterpretAsShorts();
                    s20 = b.mul(lo).add(s20);
                    s21 = b.mul(hi).add(s21);
                    b = IntVector.broadcast(I, a[aOff + 3 * aStride + p]).reinterpretAsShorts();
                    s30 = b.mul(lo).add(s30);
                    s31 = b.mul(hi).add(s31);
                }
                // both shorts of each int lane into the int32 group sum; the loop-carried vectors only as arguments
                IntVector x;
                x = SHORT_ZERO.add(s00).reinterpretAsInts();
                d00 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d00);
                x = SHORT_ZERO.add(s01).reinterpretAsInts();
                d01 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d01);
                x = SHORT_ZERO.add(s10).reinterpretAsInts();
                d10 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d10);
                x = SHORT_ZERO.add(s11).reinterpretAsInts();
                d11 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d11);
                x = SHORT_ZERO.add(s20).reinterpretAsInts();
                d20 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d20);
                x = SHORT_ZERO.add(s21).reinterpretAsInts();
                d21 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d21);
                x = SHORT_ZERO.add(s30).reinterpretAsInts();
                d30 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d30);
                x = SHORT_ZERO.add(s31).reinterpretAsInts();
                d31 = x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(x.lanewise(VectorOperators.ASHR, 16)).add(d31);
            }
            int m = meta + g * PANEL;
            IntVector q0 = IntVector.fromArray(I, sums, m);
            IntVector q1 = IntVector.fromArray(I, sums, m + IL);
            IntVector z0 = IntVector.fromArray(I, zeros, m);
            IntVector z1 = IntVector.fromArray(I, zeros, m + IL);
            FloatVector w0 = FloatVector.fromArray(F, scales, m);
            FloatVector w1 = FloatVector.fromArray(F, scales, m + IL);
            int ca;
            IntVector e;
            // exact = D − za·Σq − z·(Σa − n·za), then acc + float(exact)·sw: the spec's value and two roundings
            ca = aSums[aSumOff + g] - groupSize * za0;
            e = q0.mul(-za0).sub(z0.mul(ca)).add(d00);
            FloatVector.fromArray(F, acc, 0).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 0);
            e = q1.mul(-za0).sub(z1.mul(ca)).add(d01);
            FloatVector.fromArray(F, acc, IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, IL);
            ca = aSums[aSumOff + groups + g] - groupSize * za1;
            e = q0.mul(-za1).sub(z0.mul(ca)).add(d10);
            FloatVector.fromArray(F, acc, 1 * PANEL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 1 * PANEL);
            e = q1.mul(-za1).sub(z1.mul(ca)).add(d11);
            FloatVector.fromArray(F, acc, 1 * PANEL + IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, 1 * PANEL + IL);
            ca = aSums[aSumOff + 2 * groups + g] - groupSize * za2;
            e = q0.mul(-za2).sub(z0.mul(ca)).add(d20);
            FloatVector.fromArray(F, acc, 2 * PANEL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 2 * PANEL);
            e = q1.mul(-za2).sub(z1.mul(ca)).add(d21);
            FloatVector.fromArray(F, acc, 2 * PANEL + IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, 2 * PANEL + IL);
            ca = aSums[aSumOff + 3 * groups + g] - groupSize * za3;
            e = q0.mul(-za3).sub(z0.mul(ca)).add(d30);
            FloatVector.fromArray(F, acc, 3 * PANEL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w0)).intoArray(acc, 3 * PANEL);
            e = q1.mul(-za3).sub(z1.mul(ca)).add(d31);
            FloatVector.fromArray(F, acc, 3 * PANEL + IL).add(((FloatVector) e.convertShape(VectorOperators.I2F, F, 0)).mul(w1)).intoArray(acc, 3 * PANEL + IL);
        }
    }
}
