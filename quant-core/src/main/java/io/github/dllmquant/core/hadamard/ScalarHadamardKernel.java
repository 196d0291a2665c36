package io.github.dllmquant.core.hadamard;

/** The scalar specification of the {@link HadamardKernel}; also provides the double-precision variant. */
public final class ScalarHadamardKernel implements HadamardKernel {

    /** The shared instance (stateless). */
    public static final ScalarHadamardKernel INSTANCE = new ScalarHadamardKernel();

    private ScalarHadamardKernel() {
    }

    @Override
    public void transform(float[] x, int off, byte[] hK, int k, int m, int inner, float scale, float[] scratch) {
        assert Integer.bitCount(m) == 1 : "m must be a power of two: " + m;
        int rowLen = m * inner;
        // H_m along the middle axis of each of the K rows: butterflies between spans h·inner apart
        for (int row = 0; row < k; row++) {
            int base = off + row * rowLen;
            for (int h = 1; h < m; h <<= 1) {
                int span = h * inner;
                for (int i = 0; i < m; i += 2 * h) {
                    int a = base + i * inner;
                    for (int j = 0; j < span; j++) {
                        float u = x[a + j];
                        float v = x[a + span + j];
                        x[a + j] = u + v;
                        x[a + span + j] = u - v;
                    }
                }
            }
        }
        if (k == 1) {
            for (int j = 0; j < rowLen; j++) {
                x[off + j] *= scale;
            }
            return;
        }
        // H_K along the first axis: scratch[k] = Σ_k' H_K[k][k'] · x[k'], accumulated in k' order
        for (int r = 0; r < k; r++) {
            for (int j = 0; j < rowLen; j++) {
                float acc = 0f;
                for (int c = 0; c < k; c++) {
                    float v = x[off + c * rowLen + j];
                    acc = hK[r * k + c] > 0 ? acc + v : acc - v;
                }
                scratch[r * rowLen + j] = acc;
            }
        }
        for (int j = 0; j < k * rowLen; j++) {
            x[off + j] = scratch[j] * scale;
        }
    }

    /**
     * The same transform in double precision, for offline fusion of rotations into weights (QuaRot
     * builds and fuses rotations in float64).
     */
    public void transform(double[] x, int off, byte[] hK, int k, int m, int inner, double scale, double[] scratch) {
        int rowLen = m * inner;
        for (int row = 0; row < k; row++) {
            int base = off + row * rowLen;
            for (int h = 1; h < m; h <<= 1) {
                int span = h * inner;
                for (int i = 0; i < m; i += 2 * h) {
                    int a = base + i * inner;
                    for (int j = 0; j < span; j++) {
                        double u = x[a + j];
                        double v = x[a + span + j];
                        x[a + j] = u + v;
                        x[a + span + j] = u - v;
                    }
                }
            }
        }
        if (k == 1) {
            for (int j = 0; j < rowLen; j++) {
                x[off + j] *= scale;
            }
            return;
        }
        for (int r = 0; r < k; r++) {
            for (int j = 0; j < rowLen; j++) {
                double acc = 0;
                for (int c = 0; c < k; c++) {
                    double v = x[off + c * rowLen + j];
                    acc = hK[r * k + c] > 0 ? acc + v : acc - v;
                }
                scratch[r * rowLen + j] = acc;
            }
        }
        for (int j = 0; j < k * rowLen; j++) {
            x[off + j] = scratch[j] * scale;
        }
    }

    @Override
    public String name() {
        return "scalar";
    }
}
