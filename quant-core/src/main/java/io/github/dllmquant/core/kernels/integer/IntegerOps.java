package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.concurrent.ThreadPool;
import io.github.dllmquant.core.quant.ActivationQuantizer;

/**
 * The validating facade over the {@link IntegerKernels} chosen by {@link IntegerKernelsProvider}:
 * checks shapes with messages that name the arguments, then delegates.
 */
public final class IntegerOps {

    private IntegerOps() {
    }

    /**
     * Quantizes {@code tokens} rows of {@code k} features of {@code x} per token (see
     * {@link QuantizedActivations} for the code layout), with code sums per group of {@code groupSize}.
     *
     * @return a fresh buffer holding codes, scales, zero points and group sums
     */
    public static QuantizedActivations quantizePerToken(float[] x, int tokens, int k, int groupSize,
                                                        ActivationQuantizer aq) {
        QuantizedActivations out = new QuantizedActivations(tokens, k, groupSize);
        quantizePerToken(x, aq, out);
        return out;
    }

    /** Quantizes {@code out.tokens()} rows of {@code x} into {@code out}. */
    public static void quantizePerToken(float[] x, ActivationQuantizer aq, QuantizedActivations out) {
        if (aq == null) {
            throw new IllegalArgumentException("activation quantizer must not be null");
        }
        long need = (long) out.tokens() * out.k();
        if (x.length < need) {
            throw new IllegalArgumentException("x has " + x.length + " floats, need tokens*k = "
                    + out.tokens() + "*" + out.k() + " = " + need);
        }
        IntegerKernelsProvider.get().quantizePerToken(x, aq, out);
    }

    /**
     * {@code y[t·out + o] = Σ_g acc·sw·sa} for every token of {@code a} and output rows
     * {@code [rowStart, rowEnd)} (see {@link IntegerKernels#gemm}); no bias.
     */
    public static void gemm(Int8Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        checkGemm(w.in(), w.groupSize(), w.out(), a, y, rowStart, rowEnd);
        IntegerKernelsProvider.get().gemm(w, a, y, rowStart, rowEnd);
    }

    /**
     * {@link #gemm(Int8Weights, QuantizedActivations, float[], int, int)} over all output rows, split into
     * chunks of rows that the threads of {@code pool} claim (each thread computes whole rows, so the
     * result equals the single-threaded one bit for bit).
     */
    public static void gemm(Int8Weights w, QuantizedActivations a, float[] y, ThreadPool pool) {
        checkGemm(w.in(), w.groupSize(), w.out(), a, y, 0, w.out());
        IntegerKernels kernels = IntegerKernelsProvider.get();
        pool.forChunks(w.out(), rowChunk(w.out(), pool.parallelism()), (from, to) -> kernels.gemm(w, a, y, from, to));
    }

    /**
     * Rows per work item: about four items per thread so uneven threads balance (ggml's rule), a
     * multiple of the 4-row register tile, at least 16 rows.
     */
    static int rowChunk(int rows, int threads) {
        int chunk = (rows + 4 * threads - 1) / (4 * threads);
        return Math.max(16, (chunk + 3) & ~3);
    }

    /** The int4 GEMM over rows {@code [rowStart, rowEnd)}; see {@link IntegerKernels#gemm(Int4Weights, QuantizedActivations, float[], int, int)}. */
    public static void gemm(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        checkGemm(w.in(), w.groupSize(), w.out(), a, y, rowStart, rowEnd);
        IntegerKernelsProvider.get().gemm(w, a, y, rowStart, rowEnd);
    }

    /** The int4 GEMM over all rows, on the threads of {@code pool} (bit-identical to one thread). */
    public static void gemm(Int4Weights w, QuantizedActivations a, float[] y, ThreadPool pool) {
        checkGemm(w.in(), w.groupSize(), w.out(), a, y, 0, w.out());
        IntegerKernels kernels = IntegerKernelsProvider.get();
        pool.forChunks(w.out(), rowChunk(w.out(), pool.parallelism()), (from, to) -> kernels.gemm(w, a, y, from, to));
    }

    /**
     * Packs {@code w} for the int4 GEMM of the chosen implementation, or returns {@code null} when it
     * cannot be packed (more than 4 bits, or a group size that is not a multiple of the block); such
     * weights run on the int8 GEMM instead.
     */
    public static Int4Weights packInt4OrNull(io.github.dllmquant.core.quant.QuantizedWeight w) {
        int block = IntegerKernelsProvider.get().int4Block();
        return Int4Weights.supports(w, block) ? Int4Weights.of(w, block) : null;
    }

    static void checkGemm(int in, int groupSize, int out, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        if (a.k() != in) {
            throw new IllegalArgumentException("K mismatch: activations have " + a.k() + " columns, weights have " + in);
        }
        if (a.groupSize() != groupSize) {
            throw new IllegalArgumentException("group mismatch: activation sums use groups of " + a.groupSize()
                    + ", weights groups of " + groupSize);
        }
        if (a.quantizer() == null) {
            throw new IllegalArgumentException("activations were never quantized");
        }
        if (rowStart < 0 || rowEnd > out || rowStart > rowEnd) {
            throw new IllegalArgumentException("row range [" + rowStart + ", " + rowEnd + ") outside [0, " + out + ")");
        }
        long need = (long) a.tokens() * out;
        if (y.length < need) {
            throw new IllegalArgumentException("y has " + y.length + " floats, need tokens*out = " + need);
        }
    }
}
