package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.quant.ActivationQuantizer;

/**
 * The quantization grid of one token: scale, centred zero point and the bounds of {@code x/s} before
 * rounding. Computed from the token's range alone, so the scalar and vector kernels (which find the
 * range differently but exactly) derive identical grids.
 *
 * <p>The range always contains 0 ({@code min ≤ 0 ≤ max}), as QuaRot's {@code ActQuantizer.find_params}
 * does, so an asymmetric zero lies in {@code [0, 2^b − 1]}. A token whose scale would be 0 (all zeros,
 * or a range that underflows) gets {@code s = 1}: every code is then the zero point and dequantizes to
 * 0, instead of {@code x/0 = NaN}.
 *
 * @param scale       {@code s > 0}
 * @param centredZero {@code z − 2^(b−1)} for asymmetric grids, 0 for symmetric ones
 * @param lowerBound  lowest value of {@code x/s} before rounding, {@code qmin − z}
 * @param upperBound  highest value of {@code x/s} before rounding, {@code qmax − z}
 */
record TokenGrid(float scale, int centredZero, float lowerBound, float upperBound) {

    /** The grid of {@code x[off, off + k)}; throws if the token holds NaN or infinity. */
    static TokenGrid of(float[] x, int off, int k, ActivationQuantizer aq, int token) {
        float min = 0f;
        float max = 0f;
        for (int i = off; i < off + k; i++) {
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        return fromRange(min, max, aq, token);
    }

    /**
     * The grid for a token whose smallest value is {@code min} and largest {@code max} (either may be
     * NaN, which is rejected).
     */
    static TokenGrid fromRange(float min, float max, ActivationQuantizer aq, int token) {
        min = Math.min(min, 0f);
        max = Math.max(max, 0f);
        if (!Float.isFinite(min) || !Float.isFinite(max)) {
            throw new IllegalArgumentException("activation quantization: token " + token
                    + " holds a non-finite value (range " + min + " .. " + max + ")");
        }
        int bits = aq.bits();
        float clip = aq.clipRatio();
        if (aq.symmetric()) {
            // s = max|x|·clip / (2^(b−1) − 1), q ∈ [−2^(b−1), 2^(b−1) − 1]
            int qmax = (1 << (bits - 1)) - 1;
            float absMax = Math.max(-min, max);
            float s = checked(absMax * clip / qmax, token);
            return new TokenGrid(s, 0, -(qmax + 1), qmax);
        }
        // s = (max − min)·clip / (2^b − 1), z = rint(−min·clip / s), q ∈ [0, 2^b − 1]
        int qmax = (1 << bits) - 1;
        float s = checked((max - min) * clip / qmax, token);
        int z = (int) Math.min(Math.max(Math.rint(-min * clip / s), 0), qmax);
        int centre = 1 << (bits - 1);
        return new TokenGrid(s, z - centre, -z, qmax - z);
    }

    private static float checked(float s, int token) {
        if (Float.isInfinite(s)) {
            throw new IllegalArgumentException("activation quantization: token " + token
                    + " has a range too large for a float scale");
        }
        return s > 0f ? s : 1f;
    }
}
