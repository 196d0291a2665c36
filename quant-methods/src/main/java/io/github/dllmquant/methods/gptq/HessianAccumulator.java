package io.github.dllmquant.methods.gptq;

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

    private final int in;
    private final float[] sum;     // (in, in), lower triangle
    private final float[] pending; // (in, CHUNK_TOKENS): Xᵀ of the tokens not yet multiplied
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
        for (int t = 0; t < count; t++) {
            if (pendingTokens == CHUNK_TOKENS) {
                flush();
            }
            int row = t * in;
            for (int i = 0; i < in; i++) {
                pending[i * CHUNK_TOKENS + pendingTokens] = x[row + i];
            }
            pendingTokens++;
        }
        sequences++;
        tokens += count;
    }

    /** Multiplies the pending tokens into the sum: {@code S += Xᵀ·X}. */
    private void flush() {
        if (pendingTokens == 0) {
            return;
        }
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
        for (int i = 0; i < in; i++) {
            for (int j = 0; j <= i; j++) {
                float v = scale * sum[i * in + j];
                h[i * in + j] = v;
                h[j * in + i] = v;
            }
        }
        return h;
    }
}
