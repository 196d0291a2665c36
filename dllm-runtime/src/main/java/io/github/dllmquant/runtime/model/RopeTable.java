package io.github.dllmquant.runtime.model;

/**
 * Rotary position embedding, rotate-half (LLaMA/NeoX) layout, in float32 as the references compute it
 * ({@code rope_full_precision}): {@code inv_freq_j = 1 / theta^(2j/headDim)} rounded to float,
 * {@code angle = (float) (p · inv_freq_j)}, then {@code cos}/{@code sin} rounded to float. The table
 * is immutable and shared by every block and every call.
 */
final class RopeTable {

    private final int headDim;
    private final int half;
    private final int maxPositions;
    private final float[] cos; // (maxPositions, headDim/2)
    private final float[] sin; // (maxPositions, headDim/2)

    RopeTable(int headDim, double theta, int maxPositions) {
        this.headDim = headDim;
        this.half = headDim / 2;
        this.maxPositions = maxPositions;
        this.cos = new float[maxPositions * half];
        this.sin = new float[maxPositions * half];
        for (int j = 0; j < half; j++) {
            float exponent = (float) (2 * j) / headDim;
            float invFreq = (float) (1.0 / (float) Math.pow(theta, exponent));
            for (int p = 0; p < maxPositions; p++) {
                float angle = p * invFreq;
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
    }

    int maxPositions() {
        return maxPositions;
    }

    /**
     * Rotates each head of {@code rows} rows in place: {@code x·cos + rotate_half(x)·sin} with
     * {@code rotate_half([x1, x2]) = [−x2, x1]}.
     *
     * @param x         {@code [rows, heads·headDim]}
     * @param rows      number of rows
     * @param heads     heads per row
     * @param positions absolute position of each row
     */
    void rotate(float[] x, int rows, int heads, int[] positions) {
        int width = heads * headDim;
        for (int r = 0; r < rows; r++) {
            int p = positions[r];
            if (p < 0 || p >= maxPositions) {
                throw new IllegalArgumentException("position " + p + " outside the RoPE table of " + maxPositions);
            }
            int t = p * half;
            for (int h = 0; h < heads; h++) {
                int base = r * width + h * headDim;
                for (int j = 0; j < half; j++) {
                    float x1 = x[base + j];
                    float x2 = x[base + half + j];
                    float c = cos[t + j];
                    float s = sin[t + j];
                    x[base + j] = x1 * c - x2 * s;
                    x[base + half + j] = x2 * c + x1 * s;
                }
            }
        }
    }
}
