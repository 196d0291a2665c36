package io.github.dllmquant.core.linalg;

import io.github.dllmquant.core.kernels.VectorMath;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.stream.IntStream;

/**
 * The one product the blocked double factorisations need: {@code C += alpha · A · Bᵀ} on row-major double
 * sub-matrices, where every entry is a dot product of a row of {@code A} with a row of {@code B}
 * (contiguous in memory). {@link #multiplyTransposed} is the Panama implementation, multi-threaded over
 * row tiles; {@link #multiplyTransposedScalar} is its readable specification, which the tests compare
 * against.
 *
 * <p>Only the double reference path ({@link Cholesky}, {@link TriangularMatrices},
 * {@link SymmetricMatrices#inverse}) uses it; the float path GPTQ runs goes through {@link FloatProducts} on
 * the runtime's F32 GEMM ({@code core.kernels.Gemm}), so there is no float twin of this class.
 */
public final class DoubleGemm {

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    /** Rows of C per parallel task. */
    private static final int ROW_TILE = 32;
    /** Rows of B per cache block. */
    private static final int COLUMN_BLOCK = 64;
    /** Below this many multiply-adds a single thread is faster than forking. */
    private static final long PARALLEL_THRESHOLD = 1L << 20;

    private DoubleGemm() {
    }

    /**
     * A row-major sub-matrix view: element {@code (i, j)} is {@code data[offset + i·stride + j]}.
     *
     * @param data   backing array
     * @param offset index of element (0, 0)
     * @param stride distance between rows
     */
    public record View(double[] data, int offset, int stride) {

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
    public static void multiplyTransposedScalar(int m, int n, int depth, double alpha, View a, View b, View c,
                                                boolean lowerOnly) {
        for (int i = 0; i < m; i++) {
            int jEnd = lowerOnly ? Math.min(n, i + 1) : n;
            for (int j = 0; j < jEnd; j++) {
                double acc = 0;
                for (int k = 0; k < depth; k++) {
                    acc += a.data()[a.at(i, k)] * b.data()[b.at(j, k)];
                }
                c.data()[c.at(i, j)] += alpha * acc;
            }
        }
    }

    /** The Panama twin of {@link #multiplyTransposedScalar}, parallel over tiles of rows of {@code C}. */
    public static void multiplyTransposed(int m, int n, int depth, double alpha, View a, View b, View c,
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
    private static void tile(int i0, int i1, int n, int depth, double alpha, View a, View b, View c, boolean lowerOnly) {
        double[] ad = a.data();
        double[] bd = b.data();
        double[] cd = c.data();
        int vecEnd = SPECIES.loopBound(depth);
        // blocks of B's rows stay in cache while every row of the tile passes over them
        for (int jb = 0; jb < n; jb += COLUMN_BLOCK) {
            int jbEnd = Math.min(n, jb + COLUMN_BLOCK);
            tileBlock(i0, i1, jb, jbEnd, depth, vecEnd, alpha, a, b, c, lowerOnly, ad, bd, cd);
        }
    }

    private static void tileBlock(int i0, int i1, int jb, int jbEnd, int depth, int vecEnd, double alpha, View a, View b,
                                  View c, boolean lowerOnly, double[] ad, double[] bd, double[] cd) {
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
                DoubleVector s00 = DoubleVector.zero(SPECIES), s01 = DoubleVector.zero(SPECIES);
                DoubleVector s10 = DoubleVector.zero(SPECIES), s11 = DoubleVector.zero(SPECIES);
                DoubleVector s20 = DoubleVector.zero(SPECIES), s21 = DoubleVector.zero(SPECIES);
                DoubleVector s30 = DoubleVector.zero(SPECIES), s31 = DoubleVector.zero(SPECIES);
                int k = 0;
                for (; k < vecEnd; k += SPECIES.length()) {
                    DoubleVector y0 = DoubleVector.fromArray(SPECIES, bd, b0 + k);
                    DoubleVector y1 = DoubleVector.fromArray(SPECIES, bd, b1 + k);
                    DoubleVector x0 = DoubleVector.fromArray(SPECIES, ad, a0 + k);
                    s00 = x0.fma(y0, s00);
                    s01 = x0.fma(y1, s01);
                    DoubleVector x1 = DoubleVector.fromArray(SPECIES, ad, a1 + k);
                    s10 = x1.fma(y0, s10);
                    s11 = x1.fma(y1, s11);
                    DoubleVector x2 = DoubleVector.fromArray(SPECIES, ad, a2 + k);
                    s20 = x2.fma(y0, s20);
                    s21 = x2.fma(y1, s21);
                    DoubleVector x3 = DoubleVector.fromArray(SPECIES, ad, a3 + k);
                    s30 = x3.fma(y0, s30);
                    s31 = x3.fma(y1, s31);
                }
                double d00 = VectorMath.sum(s00), d01 = VectorMath.sum(s01);
                double d10 = VectorMath.sum(s10), d11 = VectorMath.sum(s11);
                double d20 = VectorMath.sum(s20), d21 = VectorMath.sum(s21);
                double d30 = VectorMath.sum(s30), d31 = VectorMath.sum(s31);
                for (; k < depth; k++) {
                    double y0 = bd[b0 + k];
                    double y1 = bd[b1 + k];
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
    private static void store(double[] cd, View c, int i, int j, double v0, double v1, boolean lowerOnly) {
        if (!lowerOnly || j <= i) {
            cd[c.at(i, j)] += v0;
        }
        if (!lowerOnly || j + 1 <= i) {
            cd[c.at(i, j + 1)] += v1;
        }
    }

    /** Vectorised dot product of two contiguous runs. */
    static double dot(double[] x, int xOff, double[] y, int yOff, int length) {
        int vecEnd = SPECIES.loopBound(length);
        DoubleVector acc = DoubleVector.zero(SPECIES);
        int k = 0;
        for (; k < vecEnd; k += SPECIES.length()) {
            acc = DoubleVector.fromArray(SPECIES, x, xOff + k).fma(DoubleVector.fromArray(SPECIES, y, yOff + k), acc);
        }
        double s = VectorMath.sum(acc);
        for (; k < length; k++) {
            s += x[xOff + k] * y[yOff + k];
        }
        return s;
    }
}
