package io.github.dllmquant.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarElementwiseKernels}, over the species of {@link VectorWidth}.
 * Every body: whole-vector loop, a {@link VectorMath} lane sum, scalar tail (no masked loads in loops).
 * Reductions use several accumulators so they are not bound by FMA latency.
 */
public final class PanamaElementwiseKernels implements ElementwiseKernels {

    /** The single instance (stateless). */
    public static final PanamaElementwiseKernels INSTANCE = new PanamaElementwiseKernels();

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int L = F.length();
    /** Receiver for loop-carried accumulators after their loop: −0f + x == x bit for bit (see {@link F32MicroKernels}). */
    private static final FloatVector NEG_ZERO = FloatVector.broadcast(VectorWidth.FLOAT, -0f);

    private PanamaElementwiseKernels() {
    }

    @Override
    public String name() {
        return "panama-" + VectorWidth.BITS;
    }

    @Override
    public void rmsNorm(float[] x, int xOff, float[] gain, float eps, float[] out, int outOff, int width) {
        float sumSq = sumOfSquares(x, xOff, width);
        float inv = ScalarElementwiseKernels.rmsInverse(sumSq, width, eps);
        int bound = F.loopBound(width);
        int i = 0;
        if (gain == null) {
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, x, xOff + i).mul(inv).intoArray(out, outOff + i);
            }
            for (; i < width; i++) {
                out[outOff + i] = x[xOff + i] * inv;
            }
        } else {
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, x, xOff + i).mul(inv).mul(FloatVector.fromArray(F, gain, i))
                        .intoArray(out, outOff + i);
            }
            for (; i < width; i++) {
                out[outOff + i] = x[xOff + i] * inv * gain[i];
            }
        }
    }

    private static float sumOfSquares(float[] x, int off, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        int bound2 = n - 2 * L + 1;
        for (; i < bound2; i += 2 * L) {
            FloatVector a = FloatVector.fromArray(F, x, off + i);
            FloatVector b = FloatVector.fromArray(F, x, off + i + L);
            acc0 = a.fma(a, acc0);
            acc1 = b.fma(b, acc1);
        }
        for (; i < F.loopBound(n); i += L) {
            FloatVector a = FloatVector.fromArray(F, x, off + i);
            acc0 = a.fma(a, acc0);
        }
        float sum = VectorMath.sum(NEG_ZERO.add(acc0).add(acc1));
        for (; i < n; i++) {
            sum += x[off + i] * x[off + i];
        }
        return sum;
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += L) {
                vmax = FloatVector.fromArray(F, x, off + i).max(vmax);
            }
            max = NEG_ZERO.add(vmax).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        // exp(x - max), stored back, summed
        FloatVector vsum = FloatVector.zero(F);
        for (i = 0; i < bound; i += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, off + i).sub(max));
            e.intoArray(x, off + i);
            vsum = e.add(vsum);
        }
        float[] lanes = new float[L]; // the accumulator is loop-carried: array form (see VectorMath.sum(float[], int, int))
        NEG_ZERO.add(vsum).intoArray(lanes, 0);
        float sum = VectorMath.sum(lanes, L);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, 1f / sum);
    }

    @Override
    public void swiglu(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, a, aOff + i);
            FloatVector silu = v.div(VectorMath.exp(v.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = a[aOff + i];
            out[outOff + i] = v / (1f + (float) Math.exp(-v)) * b[bOff + i];
        }
    }

    @Override
    public void rope(float[] x, int off, float[] cos, float[] sin, int tableOff, int half) {
        int bound = F.loopBound(half);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector x1 = FloatVector.fromArray(F, x, off + j);
            FloatVector x2 = FloatVector.fromArray(F, x, off + half + j);
            FloatVector c = FloatVector.fromArray(F, cos, tableOff + j);
            FloatVector s = FloatVector.fromArray(F, sin, tableOff + j);
            // not fused, so the result equals the scalar specification bit for bit
            x1.mul(c).sub(x2.mul(s)).intoArray(x, off + j);
            x2.mul(c).add(x1.mul(s)).intoArray(x, off + half + j);
        }
        for (; j < half; j++) {
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
        // four independent accumulators: a single one would be FMA-latency bound
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        int bound4 = n - 4 * L + 1;
        for (; i < bound4; i += 4 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
            acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), acc2);
            acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), acc3);
        }
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float sum = VectorMath.sum(NEG_ZERO.add(acc0).add(acc1).add(NEG_ZERO.add(acc2).add(acc3)));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = F.loopBound(n);
        FloatVector va = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }
}
