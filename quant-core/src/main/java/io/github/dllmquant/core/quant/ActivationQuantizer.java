package io.github.dllmquant.core.quant;

/**
 * Per-token dynamic activation quantization settings.
 *
 * <p>Symmetric: {@code s = max|x|·clip / (2^(b−1) − 1)}, {@code q = clamp(rint(x/s), −2^(b−1), 2^(b−1) − 1)}.
 * Asymmetric: {@code s = (max − min)·clip / (2^b − 1)}, {@code z = rint(−min·clip / s)},
 * {@code q = clamp(rint(x/s) + z, 0, 2^b − 1)}.
 *
 * @param bits      4 or 8
 * @param symmetric symmetric (signed) or asymmetric (unsigned with a zero point)
 * @param clipRatio in (0, 1], multiplies the range before the scale is computed
 */
public record ActivationQuantizer(int bits, boolean symmetric, float clipRatio) {

    public ActivationQuantizer {
        if (bits != 4 && bits != 8) {
            throw new IllegalArgumentException("activation bits must be 4 or 8, got " + bits);
        }
        if (!(clipRatio > 0f && clipRatio <= 1f)) {
            throw new IllegalArgumentException("clipRatio must be in (0, 1], got " + clipRatio);
        }
    }

    /** Symmetric, no clipping. */
    public static ActivationQuantizer symmetric(int bits) {
        return new ActivationQuantizer(bits, true, 1f);
    }

    /** Asymmetric, no clipping. */
    public static ActivationQuantizer asymmetric(int bits) {
        return new ActivationQuantizer(bits, false, 1f);
    }
}
