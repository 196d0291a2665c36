package io.github.dllmquant.methods.gptq;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.linalg.FloatProducts;

/**
 * GPTQ's Hessian {@code H = (2/N)·Σ_tokens x·xᵀ} of one linear group's input, where {@code N} counts
 * calibration <em>sequences</em>, not tokens (ptq-methods.md §4.1, IST-DASLab/gptq {@code add_batch}).
 *
 * <p>The reference rescales {@code H ← H·n/(n+m)} and adds {@code (sqrt(2/n)·x)(sqrt(2/n)·x)ᵀ} per batch;
 * this class keeps the raw sum {@code S = Σ xᵀx} in float and scales it once by {@code 2/N} in
 * {@link #hessian()}, which is the same matrix up to float rounding. The sum is a GEMM over rows of
 * {@code Xᵀ} on the runtime's F32 GEMM ({@link FloatProducts#addLowerProduct}, lower triangle only), fed in chunks of up to {@value #CHUNK_TOKENS}
 * tokens.
 */
public final class HessianAccumulator {

    /** Tokens transposed and multiplied at once. */
    static final int CHUNK_TOKENS = 1024;
    /** Side of the square tiles of the transpose. */
    private static final int TILE = 64;

    private final int in;
    private final float[] sum;     // (in, in), lower triangle
    private final float[] rows;    // (CHUNK_TOKENS, in): the tokens not yet multiplied, as given
    private final float[] pending; // (in, CHUNK_TOKENS): their transpose Xᵀ, made at flush
    private int pendingTokens;
    private int sequences;
    private long tokens;

    /** An empty accumulator for inputs of width {@code in}. */
    public HessianAccumulator(int in) {
        if (in <= 0) {
            throw new IllegalArgumentException("in must be positive, got " + in);
        }
        this.in = in;
        this.sum = new float[Math.multiplyExact(in, in)];
        this.rows = new float[Math.multiplyExact(in, CHUNK_TOKENS)];
        this.pending = new float[Math.multiplyExact(in, CHUNK_TOKENS)];
    }

    /**
     * Adds one calibration sequence.
     *
     * @param x      {@code [tokens, in]} row-major
     * @param count  number of tokens in {@code x}
     */
    public void addSequence(float[] x, int count) {
        if (x.length < (long) count * in) {
            throw new IllegalArgumentException("input has " + x.length + " values, expected tokens*in = "
                    + count + "*" + in);
        }
        // rows are copied as they come; the transpose is made tile by tile at flush (a column write per token
        // would touch one page per feature: TLB misses dominated the 12288-wide down Hessian)
        int t = 0;
        while (t < count) {
            if (pendingTokens == CHUNK_TOKENS) {
                flush();
            }
            int take = Math.min(count - t, CHUNK_TOKENS - pendingTokens);
            System.arraycopy(x, t * in, rows, pendingTokens * in, take * in);
            pendingTokens += take;
            t += take;
        }
        sequences++;
        tokens += count;
    }

    /** Multiplies the pending tokens into the sum: {@code S += Xᵀ·X}. */
    private void flush() {
        if (pendingTokens == 0) {
            return;
        }
        int tokensNow = pendingTokens;
        Parallel.forChunks((in + TILE - 1) / TILE, 1, (fromTile, toTile) -> {
            for (int i0 = fromTile * TILE; i0 < Math.min(in, toTile * TILE); i0 += TILE) {
                int i1 = Math.min(in, i0 + TILE);
                for (int t0 = 0; t0 < tokensNow; t0 += TILE) {
                    int t1 = Math.min(tokensNow, t0 + TILE);
                    for (int t = t0; t < t1; t++) {
                        int src = t * in;
                        for (int i = i0; i < i1; i++) {
                            pending[i * CHUNK_TOKENS + t] = rows[src + i];
                        }
                    }
                }
            }
        });
        FloatProducts.addLowerProduct(pending, 0, CHUNK_TOKENS, in, pendingTokens, 1f, sum, 0, in);
        pendingTokens = 0;
    }

    /** Sequences added so far ({@code N}). */
    public int sequences() {
        return sequences;
    }

    /** Tokens added so far. */
    public long tokens() {
        return tokens;
    }

    /** Width of the inputs. */
    public int in() {
        return in;
    }

    /**
     * The full symmetric {@code H = (2/N)·Σ x·xᵀ} {@code [in, in]} as a new array (all zero when nothing
     * was added).
     */
    public float[] hessian() {
        flush();
        float[] h = new float[sum.length];
        float scale = sequences == 0 ? 0f : 2f / sequences;
        // lower-triangle tiles and their mirror images (a column walk of the mirror would touch one page per row)
        Parallel.forChunks((in + TILE - 1) / TILE, 1, (fromTile, toTile) -> {
            for (int i0 = fromTile * TILE; i0 < Math.min(in, toTile * TILE); i0 += TILE) {
                int i1 = Math.min(in, i0 + TILE);
                for (int j0 = 0; j0 <= i0; j0 += TILE) {
                    for (int i = i0; i < i1; i++) {
                        int jEnd = Math.min(i, j0 + TILE - 1);
                        for (int j = j0; j <= jEnd; j++) {
                            float v = scale * sum[i * in + j];
                            h[i * in + j] = v;
                            h[j * in + i] = v;
                        }
                    }
                }
            }
        });
        return h;
    }
}
