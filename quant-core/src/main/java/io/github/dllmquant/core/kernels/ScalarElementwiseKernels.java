package io.github.dllmquant.core.kernels;

/**
 * The scalar specification of {@link ElementwiseKernels}: plain loops, float accumulation, the
 * formulas exactly as the reference modelling code states them.
 */
public final class ScalarElementwiseKernels implements ElementwiseKernels {

    /** The single instance (stateless). */
    public static final ScalarElementwiseKernels INSTANCE = new ScalarElementwiseKernels();

    private ScalarElementwiseKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void rmsNorm(float[] x, int xOff, float[] gain, float eps, float[] out, int outOff, int width) {
        float sumSq = 0f;
        for (int i = 0; i < width; i++) {
            float v = x[xOff + i];
            sumSq += v * v;
        }
        float inv = rmsInverse(sumSq, width, eps);
        for (int i = 0; i < width; i++) {
            float v = x[xOff + i] * inv;
            out[outOff + i] = gain == null ? v : v * gain[i];
        }
    }

    /** {@code 1/sqrt(sumSq/width + eps)}, shared by both twins so they round identically. */
    static float rmsInverse(float sumSq, int width, float eps) {
        return (float) (1.0 / Math.sqrt(sumSq / width + eps));
    }

    @Override
    public void softmax(float[] x, int off, int n) {
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

    @Override
    public void swiglu(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = a[aOff + i];
            float silu = v / (1f + (float) Math.exp(-v));
            out[outOff + i] = silu * b[bOff + i];
        }
    }

    @Override
    public void rope(float[] x, int off, float[] cos, float[] sin, int tableOff, int half) {
        for (int j = 0; j < half; j++) {
            float x1 = x[off + j];
            float x2 = x[off + half + j];
            float c = cos[tableOff + j];
            float s = sin[tableOff + j];
            x[off + j] = x1 * c - x2 * s;
            x[off + half + j] = x2 * c + x1 * s;
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc += a[aOff + i] * b[bOff + i];
        }
        return acc;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= s;
        }
    }
}
