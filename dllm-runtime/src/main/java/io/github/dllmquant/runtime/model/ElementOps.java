package io.github.dllmquant.runtime.model;

/**
 * The element-wise operations of the forward pass (RMSNorm, softmax, SwiGLU, residual add, dot/axpy
 * for attention) in plain float32 loops.
 */
final class ElementOps {

    private ElementOps() {
    }

    /** {@code out[r] = x[r] / sqrt(mean(x[r]²) + eps) · weight} for each row, sums in float. */
    static void rmsNorm(float[] out, float[] x, float[] weight, int rows, int dim, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            float ss = 0f;
            for (int i = 0; i < dim; i++) {
                ss += x[o + i] * x[o + i];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) {
                out[o + i] = x[o + i] * inv * weight[i];
            }
        }
    }

    /** Numerically stable softmax of {@code x[off, off+n)} in place. */
    static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** {@code gate[i] = silu(gate[i])·up[i] = gate[i]/(1+exp(−gate[i]))·up[i]} for {@code n} values. */
    static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }

    /** {@code x[i] += y[i]} for {@code n} values. */
    static void add(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }

    /** {@code Σ a[ao+i]·b[bo+i]} over {@code n} values, accumulated in float. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc += a[ao + i] * b[bo + i];
        }
        return acc;
    }

    /** {@code y[yo+i] += alpha·x[xo+i]} over {@code n} values. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }
}
