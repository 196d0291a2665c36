package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.quant.ActivationQuantizer;

/**
 * The per-call result of per-token dynamic activation quantization: integer codes, one scale and
 * zero point per token, and the code sums per (token, weight group) the integer GEMMs need for their
 * zero-point corrections. A scratch object owned by one call; not thread-safe.
 *
 * <p>Codes are <em>centred</em> so that symmetric and asymmetric grids share one signed byte form:
 * <pre>
 *   symmetric : c = q                        q ∈ [−2^(b−1), 2^(b−1) − 1],  zc = 0
 *   asymmetric: c = q − 2^(b−1)              q ∈ [0, 2^b − 1],             zc = z − 2^(b−1)
 *   value     : x̂[t][i] = scales[t] · (codes[t·k + i] − zeros[t])
 *   sums      : sums[t·groups + g] = Σ_{i in group g} codes[t·k + i]
 * </pre>
 * so every code fits a signed byte and {@code c − zc = q − z}.
 */
public final class QuantizedActivations {

    private final int tokens;
    private final int k;
    private final int groupSize;
    private final byte[] codes;
    private final float[] scales;
    private final int[] zeros;
    private final int[] sums;
    private ActivationQuantizer quantizer;
    private boolean fullNegativeRange;
    /** The codes widened to 16 bits for the Panama GEMMs, made on first use after each quantization. */
    private volatile short[] wideCodes;
    /** The codes as int pairs for the grouped int4 tiles ({@link Int4OuterTiles#pairs}), made on first use likewise. */
    private volatile int[] pairCodes;

    /**
     * Allocates buffers for {@code tokens} rows of {@code k} features, with code sums per group of
     * {@code groupSize} consecutive features.
     */
    public QuantizedActivations(int tokens, int k, int groupSize) {
        if (tokens <= 0 || k <= 0) {
            throw new IllegalArgumentException("tokens and k must be positive: tokens=" + tokens + ", k=" + k);
        }
        if (groupSize <= 0 || k % groupSize != 0) {
            throw new IllegalArgumentException("groupSize " + groupSize + " must be a positive divisor of k = " + k);
        }
        this.tokens = tokens;
        this.k = k;
        this.groupSize = groupSize;
        this.codes = new byte[Math.multiplyExact(tokens, k)];
        this.scales = new float[tokens];
        this.zeros = new int[tokens];
        this.sums = new int[tokens * (k / groupSize)];
    }

    /** Number of tokens (rows). */
    public int tokens() {
        return tokens;
    }

    /** Features per token. */
    public int k() {
        return k;
    }

    /** Features per group of {@link #sums()}. */
    public int groupSize() {
        return groupSize;
    }

    /** Groups per token: {@code k / groupSize}. */
    public int groups() {
        return k / groupSize;
    }

    /** Centred codes {@code [tokens, k]} (the live array, written by the quantizer). */
    public byte[] codes() {
        return codes;
    }

    /** Scales {@code [tokens]} (the live array). */
    public float[] scales() {
        return scales;
    }

    /** Centred zero points {@code [tokens]} (the live array; all 0 for a symmetric grid). */
    public int[] zeros() {
        return zeros;
    }

    /** Code sums {@code [tokens, groups]} (the live array). */
    public int[] sums() {
        return sums;
    }

    /** The settings of the last quantization into this buffer, or {@code null} before the first. */
    public ActivationQuantizer quantizer() {
        return quantizer;
    }

    /**
     * Whether any code may equal {@code −128}. When false every code is in {@code [−127, 127]}, so two
     * int8×int8 products always fit one int16 lane (the pair-summing GEMM relies on it).
     */
    public boolean fullNegativeRange() {
        return fullNegativeRange;
    }

    void markQuantized(ActivationQuantizer quantizer, boolean fullNegativeRange) {
        markQuantized(quantizer, fullNegativeRange, null);
    }

    /** As above, with {@code wide} = the new codes as shorts (or {@code null}: {@link #wideCodes()} makes them). */
    void markQuantized(ActivationQuantizer quantizer, boolean fullNegativeRange, short[] wide) {
        this.quantizer = quantizer;
        this.fullNegativeRange = fullNegativeRange;
        this.wideCodes = wide;
        this.pairCodes = null;
    }

    /**
     * {@link #codes()} widened to shorts ({@code tokens·k}): written by the Panama quantizer in its pass, otherwise
     * made once per quantization by whichever GEMM thread asks first (the others wait for it) and shared by all.
     */
    short[] wideCodes() {
        short[] wide = wideCodes;
        if (wide == null) {
            synchronized (this) {
                wide = wideCodes;
                if (wide == null) {
                    wide = new short[codes.length];
                    Int16Tiles.widen(codes, 0, wide, 0, codes.length);
                    wideCodes = wide;
                }
            }
        }
        return wide;
    }

    /**
     * {@link #codes()} as int pairs ({@code tokens·k/2}; int {@code p} of a token = codes {@code 2p} (low short) and
     * {@code 2p + 1} (high), see {@link Int4OuterTiles#pairs}): made once per quantization by whichever GEMM thread
     * asks first and shared by all, like {@link #wideCodes()} (each thread made its own copy until session 7).
     */
    int[] pairCodes() {
        int[] p = pairCodes;
        if (p == null) {
            synchronized (this) {
                p = pairCodes;
                if (p == null) {
                    p = new int[codes.length / 2];
                    Int4OuterTiles.pairs(wideCodes(), codes.length, p);
                    pairCodes = p;
                }
            }
        }
        return p;
    }
}
