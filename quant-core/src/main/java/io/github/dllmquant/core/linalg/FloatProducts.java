package io.github.dllmquant.core.linalg;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.Gemm;
import io.github.dllmquant.core.kernels.PackedF32Weights;

import java.lang.foreign.Arena;

/**
 * Large float matrix products on the runtime's F32 GEMM ({@link Gemm}, packed panels, the shared
 * thread pool): the building block of GPTQ's Hessians ({@code Xᵀ·X}), the blocked float Cholesky
 * ({@link FloatCholesky}) and the blocked triangular inverse ({@link FloatTriangular}).
 *
 * <p>{@link Gemm} computes {@code y = x·Wᵀ} with {@code W} packed once into the kernel's panel layout;
 * this class cuts operands out of row-major arrays into the compact arrays the kernel takes, packs the
 * right operand in a shared arena (the pool's threads read it) and adds the result where it belongs.
 * Accumulation is in float, as the reference GPTQ (fp32). Callers must not call these methods from
 * inside tasks of the shared pool.
 */
public final class FloatProducts {

    /** Rows per block of the symmetric update: one {@link Gemm} call is a (block x block x k) product. */
    static final int SYRK_BLOCK = 1024;

    private FloatProducts() {
    }

    /**
     * {@code C[i][j] += alpha · Σ_k A[i][k]·A[j][k]} for {@code j <= i < n}: the lower triangle of a
     * symmetric rank-k update. Entries above the diagonal are not touched.
     *
     * @param a       {@code A [n, k]} with row stride {@code lda}
     * @param c       {@code C [n, n]} starting at {@code cOffset} with row stride {@code ldc}
     */
    public static void addLowerProduct(float[] a, int aOffset, int lda, int n, int k, float alpha,
                                       float[] c, int cOffset, int ldc) {
        if (n <= 0 || k <= 0) {
            return;
        }
        int blocks = (n + SYRK_BLOCK - 1) / SYRK_BLOCK;
        float[][] rows = new float[blocks][];
        for (int b = 0; b < blocks; b++) {
            int r0 = b * SYRK_BLOCK;
            rows[b] = copy(a, aOffset + r0 * lda, lda, Math.min(n, r0 + SYRK_BLOCK) - r0, k);
        }
        float[] y = new float[Math.min(n, SYRK_BLOCK) * Math.min(n, SYRK_BLOCK)];
        try (Arena arena = Arena.ofShared()) {
            for (int j = 0; j < blocks; j++) {
                int c0 = j * SYRK_BLOCK;
                int cols = Math.min(n, c0 + SYRK_BLOCK) - c0;
                PackedF32Weights w = PackedF32Weights.pack(rows[j], cols, k, arena);
                for (int i = j; i < blocks; i++) {
                    int r0 = i * SYRK_BLOCK;
                    int m = Math.min(n, r0 + SYRK_BLOCK) - r0;
                    Gemm.gemm(rows[i], m, w, null, y);
                    for (int r = 0; r < m; r++) {
                        int jEnd = i == j ? r + 1 : cols; // diagonal block: lower part only
                        int dst = cOffset + (r0 + r) * ldc + c0;
                        int src = r * cols;
                        for (int q = 0; q < jEnd; q++) {
                            c[dst + q] += alpha * y[src + q];
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code Y = A·Bᵀ} into a new compact {@code [m, n]} array.
     *
     * @param a {@code A [m, k]} with row stride {@code lda}
     * @param b {@code B [n, k]} with row stride {@code ldb}
     */
    public static float[] multiplyTransposed(float[] a, int aOffset, int lda, int m, float[] b, int bOffset, int ldb,
                                             int n, int k) {
        float[] x = copy(a, aOffset, lda, m, k);
        float[] bt = copy(b, bOffset, ldb, n, k);
        float[] y = new float[m * n];
        try (Arena arena = Arena.ofShared()) {
            Gemm.gemm(x, m, PackedF32Weights.pack(bt, n, k, arena), null, y);
        }
        return y;
    }

    /** Rows of {@code A} per {@link Gemm} call of {@link #subtractProductTransposed}. */
    static final int ROW_TILE = 256;

    /**
     * {@code C[r][c] −= Σ_k A[r][k]·B[c][k]} for {@code r < m}, {@code c < n} (GPTQ's lazy-batch update
     * {@code W[:, i2:] −= Err1·Hinv[i1:i2, i2:]}): {@code B} packed once, then tiles of {@value #ROW_TILE} rows of
     * {@code A} through the GEMM into one reused buffer and subtracted in place, rows in parallel, so no
     * {@code [m, n]} temporary is allocated per call.
     *
     * @param a compact {@code A [m, k]}
     * @param b compact {@code B [n, k]}
     * @param c {@code C} rows at {@code cOffset + r·ldc}, {@code n} columns each
     */
    public static void subtractProductTransposed(float[] a, int m, float[] b, int n, int k, float[] c, int cOffset,
                                                 int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) {
            return;
        }
        int tile = Math.min(m, ROW_TILE);
        float[] x = new float[tile * k];
        float[] y = new float[tile * n];
        try (Arena arena = Arena.ofShared()) {
            PackedF32Weights w = PackedF32Weights.pack(b, n, k, arena);
            for (int r0 = 0; r0 < m; r0 += tile) {
                int rows = Math.min(tile, m - r0);
                System.arraycopy(a, r0 * k, x, 0, rows * k);
                Gemm.gemm(x, rows, w, null, y);
                int first = r0;
                Parallel.forChunks(rows, 32, (from, to) -> {
                    for (int r = from; r < to; r++) {
                        FloatRows.subtract(c, cOffset + (first + r) * ldc, y, r * n, n);
                    }
                });
            }
        }
    }

    /** A compact copy of {@code rows x cols} starting at {@code offset} with row stride {@code stride}. */
    static float[] copy(float[] src, int offset, int stride, int rows, int cols) {
        float[] dst = new float[rows * cols];
        if (stride == cols) {
            System.arraycopy(src, offset, dst, 0, rows * cols);
            return dst;
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, offset + r * stride, dst, r * cols, cols);
        }
        return dst;
    }

    /** A compact transposed copy: element {@code (j, i)} of the result is {@code src[offset + i·stride + j]}. */
    static float[] transposedCopy(float[] src, int offset, int stride, int rows, int cols) {
        return FloatRows.transposedCopy(src, offset, stride, rows, cols);
    }
}
