package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.kernels.ElementwiseKernels;
import io.github.dllmquant.core.kernels.KernelProvider;
import io.github.dllmquant.core.quant.QuantizedWeight;

import java.util.Objects;

/**
 * A weight-only quantized linear layer (W2..W8 A16): integer codes with per-group scales and zeros,
 * F32 activations. {@code y = T(x)·Ŵᵀ + b} where {@code Ŵ = s·(q − z)} and {@code T} is an optional
 * online {@link InputTransform} applied to a copy of each token's input (the caller's {@code x} is left
 * untouched).
 *
 * <p>Each output row is dequantized once per call into a scratch row and reused for every token of the
 * call, so the dequantization cost is amortised over the batch.
 */
public final class WeightOnlyLinear implements Linear {

    private final QuantizedWeight weight;
    private final float[] bias;          // (out) or null
    private final InputTransform transform; // or null

    private WeightOnlyLinear(QuantizedWeight weight, float[] bias, InputTransform transform) {
        this.weight = weight;
        this.bias = bias;
        this.transform = transform;
    }

    /**
     * A layer over {@code w} (shared, not copied: a {@link QuantizedWeight} is treated as immutable).
     *
     * @param w               quantized weight {@code [out, in]}
     * @param bias            {@code [out]} or {@code null} (copied)
     * @param transformOrNull online transform of width {@code in}, or {@code null}
     */
    public static WeightOnlyLinear of(QuantizedWeight w, float[] bias, InputTransform transformOrNull) {
        Objects.requireNonNull(w, "w");
        if (bias != null && bias.length != w.out()) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected out = " + w.out());
        }
        if (transformOrNull != null && transformOrNull.width() != w.in()) {
            throw new IllegalArgumentException("transform width " + transformOrNull.width()
                    + " does not match the layer's in = " + w.in());
        }
        return new WeightOnlyLinear(w, bias == null ? null : bias.clone(), transformOrNull);
    }

    /** The quantized weight this layer applies. */
    public QuantizedWeight quantizedWeight() {
        return weight;
    }

    /** The online input transform, or {@code null}. */
    public InputTransform transform() {
        return transform;
    }

    @Override
    public int inFeatures() {
        return weight.in();
    }

    @Override
    public int outFeatures() {
        return weight.out();
    }

    @Override
    public void forward(float[] x, int tokens, float[] y) {
        int in = weight.in();
        int out = weight.out();
        if (tokens <= 0) {
            throw new IllegalArgumentException("tokens must be positive, got " + tokens);
        }
        if (x.length < (long) tokens * in || y.length < (long) tokens * out) {
            throw new IllegalArgumentException("x has " + x.length + " / y has " + y.length + " values, need "
                    + (long) tokens * in + " / " + (long) tokens * out + " for " + tokens + " tokens");
        }
        float[] input = x;
        if (transform != null) {
            input = new float[tokens * in];
            System.arraycopy(x, 0, input, 0, tokens * in);
            transform.apply(input, tokens);
        }
        ElementwiseKernels k = KernelProvider.elementwise();
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            dequantizeRow(o, row);
            float b = bias == null ? 0f : bias[o];
            for (int t = 0; t < tokens; t++) {
                y[t * out + o] = k.dot(input, t * in, row, 0, in) + b;
            }
        }
    }

    /** {@code row[i] = s·(q − z)} for row {@code o}: the scalar specification of the dequantization. */
    private void dequantizeRow(int o, float[] row) {
        int in = weight.in();
        int groupSize = weight.groupSize();
        int groups = weight.groups();
        byte[] codes = weight.codes();
        for (int g = 0; g < groups; g++) {
            float s = weight.scales()[o * groups + g];
            float z = weight.zeros()[o * groups + g];
            int base = o * in + g * groupSize;
            for (int i = 0; i < groupSize; i++) {
                row[g * groupSize + i] = s * ((codes[base + i] & 0xFF) - z);
            }
        }
    }

    @Override
    public float[] effectiveWeight() {
        float[] w = weight.dequantize();
        if (transform == null) {
            return w;
        }
        // y = T(x)·Ŵᵀ = x·(Ŵ·M)ᵀ with T(x) = x·Mᵀ; row i of T(I) is column i of M
        int in = weight.in();
        int out = weight.out();
        float[] r = new float[in * in];
        for (int i = 0; i < in; i++) {
            r[i * in + i] = 1f;
        }
        transform.apply(r, in);
        float[] eff = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double acc = 0;
                for (int j = 0; j < in; j++) {
                    acc += (double) w[o * in + j] * r[i * in + j];
                }
                eff[o * in + i] = (float) acc;
            }
        }
        return eff;
    }

    @Override
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    @Override
    public long parameterBytes() {
        return weight.packedBytes() + (bias == null ? 0 : 4L * bias.length)
                + (transform == null ? 0 : transform.parameterBytes());
    }

    @Override
    public String format() {
        String grouping = weight.perChannel() ? "per-channel" : "g" + weight.groupSize();
        return "w" + weight.bits() + "a16 " + grouping + (weight.symmetric() ? " sym" : " asym")
                + (transform == null ? "" : " +" + transform.describe());
    }

    @Override
    public String toString() {
        return "WeightOnlyLinear[" + weight.out() + "x" + weight.in() + ", " + format() + "]";
    }
}
