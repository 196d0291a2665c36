package io.github.dllmquant.core.hadamard;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarHadamardKernel}. Butterfly stages whose span (distance between
 * the paired elements) covers at least one vector run on whole vectors; the first stages of a plain
 * vector ({@code span < lanes}) stay scalar, as do tails. The {@code H_K} mix adds or subtracts whole
 * rows, accumulating in the same {@code k'} order as the scalar code, so the results are identical.
 */
public final class PanamaHadamardKernel implements HadamardKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** The shared instance (stateless). */
    public static final PanamaHadamardKernel INSTANCE = new PanamaHadamardKernel();

    private PanamaHadamardKernel() {
    }

    @Override
    public void transform(float[] x, int off, byte[] hK, int k, int m, int inner, float scale, float[] scratch) {
        assert Integer.bitCount(m) == 1 : "m must be a power of two: " + m;
        int rowLen = m * inner;
        for (int row = 0; row < k; row++) {
            int base = off + row * rowLen;
            for (int h = 1; h < m; h <<= 1) {
                int span = h * inner;
                for (int i = 0; i < m; i += 2 * h) {
                    butterfly(x, base + i * inner, span);
                }
            }
        }
        if (k == 1) {
            scaleInPlace(x, off, rowLen, scale);
            return;
        }
        int vecEnd = F.loopBound(rowLen);
        for (int r = 0; r < k; r++) {
            int hRow = r * k;
            int j = 0;
            for (; j < vecEnd; j += L) {
                FloatVector acc = FloatVector.zero(F);
                for (int c = 0; c < k; c++) {
                    FloatVector v = FloatVector.fromArray(F, x, off + c * rowLen + j);
                    acc = hK[hRow + c] > 0 ? acc.add(v) : acc.sub(v);
                }
                acc.intoArray(scratch, r * rowLen + j);
            }
            for (; j < rowLen; j++) {
                float acc = 0f;
                for (int c = 0; c < k; c++) {
                    float v = x[off + c * rowLen + j];
                    acc = hK[hRow + c] > 0 ? acc + v : acc - v;
                }
                scratch[r * rowLen + j] = acc;
            }
        }
        int n = k * rowLen;
        int j = 0;
        int end = F.loopBound(n);
        for (; j < end; j += L) {
            FloatVector.fromArray(F, scratch, j).mul(scale).intoArray(x, off + j);
        }
        for (; j < n; j++) {
            x[off + j] = scratch[j] * scale;
        }
    }

    /** {@code (u, v) ← (u + v, u − v)} for the spans {@code [a, a+span)} and {@code [a+span, a+2·span)}. */
    private static void butterfly(float[] x, int a, int span) {
        int b = a + span;
        int j = 0;
        int end = F.loopBound(span);
        for (; j < end; j += L) {
            FloatVector u = FloatVector.fromArray(F, x, a + j);
            FloatVector v = FloatVector.fromArray(F, x, b + j);
            u.add(v).intoArray(x, a + j);
            u.sub(v).intoArray(x, b + j);
        }
        for (; j < span; j++) {
            float u = x[a + j];
            float v = x[b + j];
            x[a + j] = u + v;
            x[b + j] = u - v;
        }
    }

    private static void scaleInPlace(float[] x, int off, int n, float scale) {
        int j = 0;
        int end = F.loopBound(n);
        for (; j < end; j += L) {
            FloatVector.fromArray(F, x, off + j).mul(scale).intoArray(x, off + j);
        }
        for (; j < n; j++) {
            x[off + j] *= scale;
        }
    }

    @Override
    public String name() {
        return "panama(" + F.vectorBitSize() + " bit)";
    }
}
