package io.github.dllmquant.core.kernels;

/**
 * Precomputed rotate-half RoPE angles in float32, as LLaMA/LLaDA/Qwen2 compute them:
 * <pre>
 *   inv_freq[j] = 1 / theta^(2j/headDim)            j &lt; headDim/2   (float32)
 *   angle(p, j) = p · inv_freq[j]                    (float32), the same for j and j + headDim/2
 *   cos[p][j] = cos(angle(p, j)),  sin[p][j] = sin(angle(p, j))
 * </pre>
 * Only one half is stored since both halves share the angles. Immutable and shareable between threads.
 */
public final class RopeTable {

    private final int headDim;
    private final int positions;
    private final double theta;
    final float[] cos; // (positions, headDim/2)
    final float[] sin; // (positions, headDim/2)

    private RopeTable(int headDim, int positions, double theta, float[] cos, float[] sin) {
        this.headDim = headDim;
        this.positions = positions;
        this.theta = theta;
        this.cos = cos;
        this.sin = sin;
    }

    /**
     * Builds the table for positions {@code 0 .. positions−1}.
     *
     * @param headDim   per-head width, even and positive
     * @param positions number of positions, positive
     * @param theta     RoPE base ({@code rope_theta}), positive
     */
    public static RopeTable of(int headDim, int positions, double theta) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim must be positive and even, got " + headDim);
        }
        if (positions <= 0) {
            throw new IllegalArgumentException("positions must be positive, got " + positions);
        }
        if (!(theta > 0) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("theta must be positive and finite, got " + theta);
        }
        int half = headDim / 2;
        float[] invFreq = new float[half];
        for (int j = 0; j < half; j++) {
            // float32 exponent and power, as torch computes theta ** (arange(0, dim, 2).float() / dim)
            float exponent = (float) (2 * j) / headDim;
            invFreq[j] = 1f / (float) Math.pow((float) theta, exponent);
        }
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < half; j++) {
                float angle = (float) p * invFreq[j];
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
        return new RopeTable(headDim, positions, theta, cos, sin);
    }

    /** Per-head width. */
    public int headDim() {
        return headDim;
    }

    /** Number of positions the table covers. */
    public int positions() {
        return positions;
    }

    /** The RoPE base. */
    public double theta() {
        return theta;
    }

    /** {@code cos(angle(p, j))} for {@code j < headDim} (both halves share the angle). */
    public float cos(int p, int j) {
        return cos[p * (headDim / 2) + j % (headDim / 2)];
    }

    /** {@code sin(angle(p, j))} for {@code j < headDim} (both halves share the angle). */
    public float sin(int p, int j) {
        return sin[p * (headDim / 2) + j % (headDim / 2)];
    }
}
