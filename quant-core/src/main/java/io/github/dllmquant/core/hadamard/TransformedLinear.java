package io.github.dllmquant.core.hadamard;

import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.Linear;

/**
 * A linear layer that applies an online {@link InputTransform} to a copy of its input before an inner
 * layer whose weight was transformed offline to match: {@code y = T(x)·Ŵᵀ + b = x·Wᵀ + b}. Used for
 * rotated but still full-precision layers (QuaRot after {@code prepareModel}, invariance checks);
 * quantized layers take the transform directly ({@code ActivationQuantizedLinear}, {@code WeightOnlyLinear}).
 * Immutable; {@link #forward} allocates its own scratch, so concurrent calls are safe.
 */
public final class TransformedLinear implements Linear {

    private final InputTransform transform;
    private final Linear inner;

    private TransformedLinear(InputTransform transform, Linear inner) {
        this.transform = transform;
        this.inner = inner;
    }

    /**
     * @param transform online transform of width {@code inner.inFeatures()}
     * @param inner     the layer over the transformed weight
     */
    public static TransformedLinear of(InputTransform transform, Linear inner) {
        if (transform == null || inner == null) {
            throw new IllegalArgumentException("transform and inner layer must not be null");
        }
        if (transform.width() != inner.inFeatures()) {
            throw new IllegalArgumentException("transform width " + transform.width() + " (" + transform.describe()
                    + ") does not match the layer's in = " + inner.inFeatures());
        }
        return new TransformedLinear(transform, inner);
    }

    /** The online transform. */
    public InputTransform transform() {
        return transform;
    }

    /** The layer over the transformed weight. */
    public Linear inner() {
        return inner;
    }

    @Override
    public int inFeatures() {
        return inner.inFeatures();
    }

    @Override
    public int outFeatures() {
        return inner.outFeatures();
    }

    @Override
    public void forward(float[] x, int tokens, float[] y) {
        int in = inner.inFeatures();
        float[] xt = new float[tokens * in];
        System.arraycopy(x, 0, xt, 0, tokens * in);
        transform.apply(xt, tokens);
        inner.forward(xt, tokens, y);
    }

    /** The inner weight with the transform folded back in (costs {@code in²} floats: for analysis and tests). */
    @Override
    public float[] effectiveWeight() {
        return foldBack(transform, inner.effectiveWeight(), inner.outFeatures());
    }

    /**
     * The weight in the original basis of a layer over {@code transformed} {@code [out, in]} behind the online
     * transform {@code t}: with {@code A[i] = t(e_i)}, {@code T(x) = x·A}, so {@code W = Ŵ·Aᵀ}.
     */
    public static float[] foldBack(InputTransform t, float[] transformed, int out) {
        int in = t.width();
        float[] a = new float[in * in];
        for (int i = 0; i < in; i++) {
            a[i * in + i] = 1f;
        }
        t.apply(a, in);
        float[] w = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double acc = 0;
                for (int j = 0; j < in; j++) {
                    acc += (double) transformed[o * in + j] * a[i * in + j];
                }
                w[o * in + i] = (float) acc;
            }
        }
        return w;
    }

    @Override
    public float[] bias() {
        return inner.bias();
    }

    @Override
    public long parameterBytes() {
        return inner.parameterBytes() + transform.parameterBytes();
    }

    @Override
    public String format() {
        return inner.format() + " + " + transform.describe();
    }

    @Override
    public String toString() {
        return "TransformedLinear[" + format() + "]";
    }
}
