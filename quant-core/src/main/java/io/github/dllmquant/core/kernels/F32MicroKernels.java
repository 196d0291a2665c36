package io.github.dllmquant.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The F32 register-tiled micro-kernels of {@link PanamaGemmKernels}, outer-product form: for each column
 * {@code kk} of the block, load the {@code NR = 4·L} packed weights of the panel as four vectors, broadcast
 * one activation per token, and FMA into {@code MR × 4} accumulator vectors that stay in registers for the
 * whole K block (MR = 4: 16 accumulators + 4 weights + 1 broadcast = 21 of the 32 AVX-512 registers).
 * The tile is written out per MR, stores included (no arrays of vectors, no helper taking a vector: a
 * call C2 does not inline would box every accumulator), so C2 register-allocates every accumulator.
 *
 * <pre>
 *   y[t][p·NR + j] (+)= Σ_kk x[t][k0 + kk] · panel[kk][j]      t = token of the tile, j &lt; NR
 * </pre>
 * {@code accumulate} adds to {@code y} (second and later K blocks); otherwise {@code y} is overwritten.
 */
final class F32MicroKernels {

    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final int L = F.length();
    /** Panel width: four vectors of output rows. */
    static final int NR = 4 * L;
    static final long VECTOR_BYTES = (long) L * Float.BYTES;
    static final long PANEL_ROW_BYTES = (long) NR * Float.BYTES;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /*
     * The accumulators leave their loop as arguments of this constant, never as receivers (INT-KERNELS attempts
     * 80-83): a loop phi has the abstract declared type while C2 parses, so a call on it is bound only by a guess from
     * the JVM-wide profile of the JDK method, and with that profile's trap budget spent the guess falls back to a
     * virtual call that boxes the accumulator in the loop (attempt 74). A static final vector has an exact class.
     * −0f + x == x bit for bit (+0f would turn −0f into +0f).
     */
    private static final FloatVector NEG_ZERO = FloatVector.broadcast(VectorWidth.FLOAT, -0f);

    private F32MicroKernels() {
    }

    /** 4 tokens × NR rows over {@code kc} columns: 16 accumulators, 4 broadcasts and 4 weight loads per column. */
    static void tile4(float[] x, int x0, int ldx, MemorySegment b, long bOff, int kc,
                      float[] y, int y0, int ldy, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(F); FloatVector c01 = FloatVector.zero(F); FloatVector c02 = FloatVector.zero(F); FloatVector c03 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F); FloatVector c11 = FloatVector.zero(F); FloatVector c12 = FloatVector.zero(F); FloatVector c13 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F); FloatVector c21 = FloatVector.zero(F); FloatVector c22 = FloatVector.zero(F); FloatVector c23 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F); FloatVector c31 = FloatVector.zero(F); FloatVector c32 = FloatVector.zero(F); FloatVector c33 = FloatVector.zero(F);
        int x1 = x0 + ldx;
        int x2 = x1 + ldx;
        int x3 = x2 + ldx;
        long bo = bOff;
        for (int kk = 0; kk < kc; kk++, bo += PANEL_ROW_BYTES) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bo, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bo + 1 * VECTOR_BYTES, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bo + 2 * VECTOR_BYTES, ORDER);
            FloatVector b3 = FloatVector.fromMemorySegment(F, b, bo + 3 * VECTOR_BYTES, ORDER);
            FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
            c00 = b0.fma(a0, c00); c01 = b1.fma(a0, c01); c02 = b2.fma(a0, c02); c03 = b3.fma(a0, c03);
            FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
            c10 = b0.fma(a1, c10); c11 = b1.fma(a1, c11); c12 = b2.fma(a1, c12); c13 = b3.fma(a1, c13);
            FloatVector a2 = FloatVector.broadcast(F, x[x2 + kk]);
            c20 = b0.fma(a2, c20); c21 = b1.fma(a2, c21); c22 = b2.fma(a2, c22); c23 = b3.fma(a2, c23);
            FloatVector a3 = FloatVector.broadcast(F, x[x3 + kk]);
            c30 = b0.fma(a3, c30); c31 = b1.fma(a3, c31); c32 = b2.fma(a3, c32); c33 = b3.fma(a3, c33);
        }
        int y0r = y0;
        int y1 = y0 + ldy;
        int y2 = y0 + 2 * ldy;
        int y3 = y0 + 3 * ldy;
        if (accumulate) { // later K blocks add to the partial sums already in y
            c00 = FloatVector.fromArray(F, y, y0r).add(c00);
            c01 = FloatVector.fromArray(F, y, y0r + 1 * L).add(c01);
            c02 = FloatVector.fromArray(F, y, y0r + 2 * L).add(c02);
            c03 = FloatVector.fromArray(F, y, y0r + 3 * L).add(c03);
            c10 = FloatVector.fromArray(F, y, y1).add(c10);
            c11 = FloatVector.fromArray(F, y, y1 + 1 * L).add(c11);
            c12 = FloatVector.fromArray(F, y, y1 + 2 * L).add(c12);
            c13 = FloatVector.fromArray(F, y, y1 + 3 * L).add(c13);
            c20 = FloatVector.fromArray(F, y, y2).add(c20);
            c21 = FloatVector.fromArray(F, y, y2 + 1 * L).add(c21);
            c22 = FloatVector.fromArray(F, y, y2 + 2 * L).add(c22);
            c23 = FloatVector.fromArray(F, y, y2 + 3 * L).add(c23);
            c30 = FloatVector.fromArray(F, y, y3).add(c30);
            c31 = FloatVector.fromArray(F, y, y3 + 1 * L).add(c31);
            c32 = FloatVector.fromArray(F, y, y3 + 2 * L).add(c32);
            c33 = FloatVector.fromArray(F, y, y3 + 3 * L).add(c33);
        }
        NEG_ZERO.add(c00).intoArray(y, y0r);
        NEG_ZERO.add(c01).intoArray(y, y0r + 1 * L);
        NEG_ZERO.add(c02).intoArray(y, y0r + 2 * L);
        NEG_ZERO.add(c03).intoArray(y, y0r + 3 * L);
        NEG_ZERO.add(c10).intoArray(y, y1);
        NEG_ZERO.add(c11).intoArray(y, y1 + 1 * L);
        NEG_ZERO.add(c12).intoArray(y, y1 + 2 * L);
        NEG_ZERO.add(c13).intoArray(y, y1 + 3 * L);
        NEG_ZERO.add(c20).intoArray(y, y2);
        NEG_ZERO.add(c21).intoArray(y, y2 + 1 * L);
        NEG_ZERO.add(c22).intoArray(y, y2 + 2 * L);
        NEG_ZERO.add(c23).intoArray(y, y2 + 3 * L);
        NEG_ZERO.add(c30).intoArray(y, y3);
        NEG_ZERO.add(c31).intoArray(y, y3 + 1 * L);
        NEG_ZERO.add(c32).intoArray(y, y3 + 2 * L);
        NEG_ZERO.add(c33).intoArray(y, y3 + 3 * L);
    }

    /** 2 tokens × NR rows over {@code kc} columns: 8 accumulators, 2 broadcasts and 4 weight loads per column. */
    static void tile2(float[] x, int x0, int ldx, MemorySegment b, long bOff, int kc,
                      float[] y, int y0, int ldy, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(F); FloatVector c01 = FloatVector.zero(F); FloatVector c02 = FloatVector.zero(F); FloatVector c03 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F); FloatVector c11 = FloatVector.zero(F); FloatVector c12 = FloatVector.zero(F); FloatVector c13 = FloatVector.zero(F);
        int x1 = x0 + ldx;
        long bo = bOff;
        for (int kk = 0; kk < kc; kk++, bo += PANEL_ROW_BYTES) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bo, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bo + 1 * VECTOR_BYTES, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bo + 2 * VECTOR_BYTES, ORDER);
            FloatVector b3 = FloatVector.fromMemorySegment(F, b, bo + 3 * VECTOR_BYTES, ORDER);
            FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
            c00 = b0.fma(a0, c00); c01 = b1.fma(a0, c01); c02 = b2.fma(a0, c02); c03 = b3.fma(a0, c03);
            FloatVector a1 = FloatVector.broadcast(F, x[x1 + kk]);
            c10 = b0.fma(a1, c10); c11 = b1.fma(a1, c11); c12 = b2.fma(a1, c12); c13 = b3.fma(a1, c13);
        }
        int y0r = y0;
        int y1 = y0 + ldy;
        if (accumulate) { // later K blocks add to the partial sums already in y
            c00 = FloatVector.fromArray(F, y, y0r).add(c00);
            c01 = FloatVector.fromArray(F, y, y0r + 1 * L).add(c01);
            c02 = FloatVector.fromArray(F, y, y0r + 2 * L).add(c02);
            c03 = FloatVector.fromArray(F, y, y0r + 3 * L).add(c03);
            c10 = FloatVector.fromArray(F, y, y1).add(c10);
            c11 = FloatVector.fromArray(F, y, y1 + 1 * L).add(c11);
            c12 = FloatVector.fromArray(F, y, y1 + 2 * L).add(c12);
            c13 = FloatVector.fromArray(F, y, y1 + 3 * L).add(c13);
        }
        NEG_ZERO.add(c00).intoArray(y, y0r);
        NEG_ZERO.add(c01).intoArray(y, y0r + 1 * L);
        NEG_ZERO.add(c02).intoArray(y, y0r + 2 * L);
        NEG_ZERO.add(c03).intoArray(y, y0r + 3 * L);
        NEG_ZERO.add(c10).intoArray(y, y1);
        NEG_ZERO.add(c11).intoArray(y, y1 + 1 * L);
        NEG_ZERO.add(c12).intoArray(y, y1 + 2 * L);
        NEG_ZERO.add(c13).intoArray(y, y1 + 3 * L);
    }

    /** 1 token × NR rows over {@code kc} columns: 4 accumulators, 1 broadcast and 4 weight loads per column. */
    static void tile1(float[] x, int x0, int ldx, MemorySegment b, long bOff, int kc,
                      float[] y, int y0, int ldy, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(F); FloatVector c01 = FloatVector.zero(F); FloatVector c02 = FloatVector.zero(F); FloatVector c03 = FloatVector.zero(F);
        long bo = bOff;
        for (int kk = 0; kk < kc; kk++, bo += PANEL_ROW_BYTES) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bo, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bo + 1 * VECTOR_BYTES, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bo + 2 * VECTOR_BYTES, ORDER);
            FloatVector b3 = FloatVector.fromMemorySegment(F, b, bo + 3 * VECTOR_BYTES, ORDER);
            FloatVector a0 = FloatVector.broadcast(F, x[x0 + kk]);
            c00 = b0.fma(a0, c00); c01 = b1.fma(a0, c01); c02 = b2.fma(a0, c02); c03 = b3.fma(a0, c03);
        }
        int y0r = y0;
        if (accumulate) { // later K blocks add to the partial sums already in y
            c00 = FloatVector.fromArray(F, y, y0r).add(c00);
            c01 = FloatVector.fromArray(F, y, y0r + 1 * L).add(c01);
            c02 = FloatVector.fromArray(F, y, y0r + 2 * L).add(c02);
            c03 = FloatVector.fromArray(F, y, y0r + 3 * L).add(c03);
        }
        NEG_ZERO.add(c00).intoArray(y, y0r);
        NEG_ZERO.add(c01).intoArray(y, y0r + 1 * L);
        NEG_ZERO.add(c02).intoArray(y, y0r + 2 * L);
        NEG_ZERO.add(c03).intoArray(y, y0r + 3 * L);
    }
}
