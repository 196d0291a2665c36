package io.github.dllmquant.core.linalg;

import io.github.dllmquant.core.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.stream.IntStream;

/**
 * {@code C += alpha · A · Bᵀ} on row-major float sub-matrices, accumulated in float: the product GPTQ
 * needs for its Hessians ({@code Xᵀ·X} as rows of {@code Xᵀ} against rows of {@code Xᵀ}) and its lazy batch
 * updates. Same structure as {@link DoubleGemm}; every entry is a dot product of a row of {@code A} with a
 * row of {@code B}. {@link #multiplyTransposed} is the Panama implementation, multi-threaded over
 * row tiles; {@link #multiplyTransposedScalar} is its readable specification, which the tests compare
 * against.
 */
public final class FloatGemm {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Rows of C per parallel task. */
    private static final int ROW_TILE = 32;
    /** Rows of B per cache block. */
    private static final int COLUMN_BLOCK = 64;
    /** Below this many multiply-adds a single thread is faster than forking. */
    private static final long PARALLEL_THRESHOLD = 1L << 20;

    private FloatGemm() {
    }

    /**
     * A row-major sub-matrix view: element {@code (i, j)} is {@code data[offset + i·stride + j]}.
     *
     * @param data   backing array
     * @param offset index of element (0, 0)
     * @param stride distance between rows
     */
    public record View(float[] data, int offset, int stride) {

        /** Index of element {@code (i, j)}. */
        public int at(int i, int j) {
            return offset + i * stride + j;
        }
    }

    /**
     * Scalar specification: {@code C[i][j] += alpha · Σ_{k<depth} A[i][k]·B[j][k]} for {@code i < m},
     * {@code j < n}; with {@code lowerOnly} only {@code j <= i} is touched (symmetric rank-k update of
     * a diagonal tile, {@code A} and {@code B} the same rows).
     */
    public static void multiplyTransposedScalar(int m, int n, int depth, float alpha, View a, View b, View c,
                                                boolean lowerOnly) {
        for (int i = 0; i < m; i++) {
            int jEnd = lowerOnly ? Math.min(n, i + 1) : n;
            for (int j = 0; j < jEnd; j++) {
                float acc = 0;
                for (int k = 0; k < depth; k++) {
                    acc += a.data()[a.at(i, k)] * b.data()[b.at(j, k)];
                }
                c.data()[c.at(i, j)] += alpha * acc;
            }
        }
    }

    /** The Panama twin of {@link #multiplyTransposedScalar}, parallel over tiles of rows of {@code C}. */
    public static void multiplyTransposed(int m, int n, int depth, float alpha, View a, View b, View c,
                                          boolean lowerOnly) {
        if (m <= 0 || n <= 0 || depth <= 0) {
            return;
        }
        int tiles = (m + ROW_TILE - 1) / ROW_TILE;
        IntStream range = IntStream.range(0, tiles);
        if ((long) m * n * depth > PARALLEL_THRESHOLD && tiles > 1) {
            range = range.parallel();
        }
        range.forEach(t -> {
            int i0 = t * ROW_TILE;
            int i1 = Math.min(m, i0 + ROW_TILE);
            tile(i0, i1, n, depth, alpha, a, b, c, lowerOnly);
        });
    }

    /**
     * Rows {@code [i0, i1)} of C: four rows of A against two rows of B at a time (eight accumulators: six
     * loads feed eight FMAs); leftover rows and columns fall back to single dot products. With
     * {@code lowerOnly} entries above the diagonal are computed but not stored.
     */
    private static void tile(int i0, int i1, int n, int depth, float alpha, View a, View b, View c, boolean lowerOnly) {
        float[] ad = a.data();
        float[] bd = b.data();
        float[] cd = c.data();
        int vecEnd = SPECIES.loopBound(depth);
        // blocks of B's rows stay in cache while every row of the tile passes over them
        for (int jb = 0; jb < n; jb += COLUMN_BLOCK) {
            int jbEnd = Math.min(n, jb + COLUMN_BLOCK);
            tileBlock(i0, i1, jb, jbEnd, depth, vecEnd, alpha, a, b, c, lowerOnly, ad, bd, cd);
        }
    }

    private static void tileBlock(int i0, int i1, int jb, int jbEnd, int depth, int vecEnd, float alpha, View a, View b,
                                  View c, boolean lowerOnly, float[] ad, float[] bd, float[] cd) {
        int i = i0;
        for (; i + 3 < i1; i += 4) {
            int a0 = a.at(i, 0);
            int a1 = a.at(i + 1, 0);
            int a2 = a.at(i + 2, 0);
            int a3 = a.at(i + 3, 0);
            int jEnd = lowerOnly ? Math.min(jbEnd, i + 4) : jbEnd;
            int j = jb;
            for (; j + 1 < jEnd; j += 2) {
                int b0 = b.at(j, 0);
                int b1 = b.at(j + 1, 0);
                FloatVector s00 = FloatVector.zero(SPECIES), s01 = FloatVector.zero(SPECIES);
                FloatVector s10 = FloatVector.zero(SPECIES), s11 = FloatVector.zero(SPECIES);
                FloatVector s20 = FloatVector.zero(SPECIES), s21 = FloatVector.zero(SPECIES);
                FloatVector s30 = FloatVector.zero(SPECIES), s31 = FloatVector.zero(SPECIES);
                int k = 0;
                for (; k < vecEnd; k += SPECIES.length()) {
                    FloatVector y0 = FloatVector.fromArray(SPECIES, bd, b0 + k);
                    FloatVector y1 = FloatVector.fromArray(SPECIES, bd, b1 + k);
                    FloatVector x0 = FloatVector.fromArray(SPECIES, ad, a0 + k);
                    s00 = x0.fma(y0, s00);
                    s01 = x0.fma(y1, s01);
                    FloatVector x1 = FloatVector.fromArray(SPECIES, ad, a1 + k);
                    s10 = x1.fma(y0, s10);
                    s11 = x1.fma(y1, s11);
                    FloatVector x2 = FloatVector.fromArray(SPECIES, ad, a2 + k);
                    s20 = x2.fma(y0, s20);
                    s21 = x2.fma(y1, s21);
                    FloatVector x3 = FloatVector.fromArray(SPECIES, ad, a3 + k);
                    s30 = x3.fma(y0, s30);
                    s31 = x3.fma(y1, s31);
                }
                float d00 = VectorMath.sum(s00), d01 = VectorMath.sum(s01);
                float d10 = VectorMath.sum(s10), d11 = VectorMath.sum(s11);
                float d20 = VectorMath.sum(s20), d21 = VectorMath.sum(s21);
                float d30 = VectorMath.sum(s30), d31 = VectorMath.sum(s31);
                for (; k < depth; k++) {
                    float y0 = bd[b0 + k];
                    float y1 = bd[b1 + k];
                    d00 += ad[a0 + k] * y0;
                    d01 += ad[a0 + k] * y1;
                    d10 += ad[a1 + k] * y0;
                    d11 += ad[a1 + k] * y1;
                    d20 += ad[a2 + k] * y0;
                    d21 += ad[a2 + k] * y1;
                    d30 += ad[a3 + k] * y0;
                    d31 += ad[a3 + k] * y1;
                }
                store(cd, c, i, j, alpha * d00, alpha * d01, lowerOnly);
                store(cd, c, i + 1, j, alpha * d10, alpha * d11, lowerOnly);
                store(cd, c, i + 2, j, alpha * d20, alpha * d21, lowerOnly);
                store(cd, c, i + 3, j, alpha * d30, alpha * d31, lowerOnly);
            }
            for (; j < jEnd; j++) {
                // odd column left over: the four rows against row j alone
                for (int r = 0; r < 4; r++) {
                    if (!lowerOnly || j <= i + r) {
                        cd[c.at(i + r, j)] += alpha * dot(ad, a.at(i + r, 0), bd, b.at(j, 0), depth);
                    }
                }
            }
        }
        for (; i < i1; i++) {
            int jEnd = lowerOnly ? Math.min(jbEnd, i + 1) : jbEnd;
            for (int j = jb; j < jEnd; j++) {
                cd[c.at(i, j)] += alpha * dot(ad, a.at(i, 0), bd, b.at(j, 0), depth);
            }
        }
    }

    /** Adds {@code v0, v1} to {@code C[i][j], C[i][j+1]}, skipping entries above the diagonal when asked. */
    private static void store(float[] cd, View c, int i, int j, float v0, float v1, boolean lowerOnly) {
        if (!lowerOnly || j <= i) {
            cd[c.at(i, j)] += v0;
        }
        if (!lowerOnly || j + 1 <= i) {
            cd[c.at(i, j + 1)] += v1;
        }
    }

    /** Vectorised dot product of two contiguous runs. */
    static float dot(float[] x, int xOff, float[] y, int yOff, int length) {
        int vecEnd = SPECIES.loopBound(length);
        FloatVector acc = FloatVector.zero(SPECIES);
        int k = 0;
        for (; k < vecEnd; k += SPECIES.length()) {
            acc = FloatVector.fromArray(SPECIES, x, xOff + k).fma(FloatVector.fromArray(SPECIES, y, yOff + k), acc);
        }
        float s = VectorMath.sum(acc);
        for (; k < length; k++) {
            s += x[xOff + k] * y[yOff + k];
        }
        return s;
    }
}
