package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.kernels.Gemm;
import io.github.dllmquant.core.kernels.PackedQuantizedWeights;
import io.github.dllmquant.core.quant.QuantizedWeight;

import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * A weight-only quantized linear layer (W2..W8 A16): integer codes with per-group scales and zeros,
 * F32 activations. {@code y = T(x)·Ŵᵀ + b} where {@code Ŵ = s·(q − z)} and {@code T} is an optional
 * online {@link InputTransform} applied to a copy of each token's input (the caller's {@code x} is left
 * untouched).
 *
 * <p>The codes are repacked once into the GEMM's panel layout ({@link PackedQuantizedWeights}, 2, 4 or 8
 * bits per code, in an automatic arena freed with the layer); each call dequantizes a weight tile once and
 * reuses it for every token of the call. The layer does not keep the caller's {@link QuantizedWeight}.
 */
public final class WeightOnlyLinear implements Linear {

    private final PackedQuantizedWeights weight;
    private final float[] bias;          // (out) or null
    private final InputTransform transform; // or null

    private WeightOnlyLinear(PackedQuantizedWeights weight, float[] bias, InputTransform transform) {
        this.weight = weight;
        this.bias = bias;
        this.transform = transform;
    }

    /**
     * A layer over {@code w}, repacked for the kernels.
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
        return new WeightOnlyLinear(PackedQuantizedWeights.pack(w, Arena.ofAuto()), bias == null ? null : bias.clone(), transformOrNull);
    }

    /** The quantized weight this layer applies, rebuilt from the packed form (fresh arrays). */
    public QuantizedWeight quantizedWeight() {
        int out = weight.n();
        int in = weight.k();
        int groups = weight.groups();
        byte[] codes = new byte[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                codes[o * in + i] = (byte) weight.code(o, i);
            }
            for (int g = 0; g < groups; g++) {
                scales[o * groups + g] = weight.scale(o, g);
                zeros[o * groups + g] = weight.zero(o, g);
            }
        }
        return new QuantizedWeight(out, in, weight.bits(), weight.groupSize(), weight.symmetric(), codes, scales, zeros);
    }

    /** The online input transform, or {@code null}. */
    public InputTransform transform() {
        return transform;
    }

    @Override
    public int inFeatures() {
        return weight.k();
    }

    @Override
    public int outFeatures() {
        return weight.n();
    }

    @Override
    public void forward(float[] x, int tokens, float[] y) {
        float[] input = x;
        if (transform != null) {
            int n = tokens * weight.k();
            if (tokens <= 0 || x.length < n) {
                throw new IllegalArgumentException("x has " + x.length + " values, needs tokens*in = "
                        + tokens + "*" + weight.k() + " for " + tokens + " tokens");
            }
            input = new float[n];
            System.arraycopy(x, 0, input, 0, n);
            transform.apply(input, tokens);
        }
        Gemm.gemm(input, tokens, weight, bias, y);
    }

    @Override
    public float[] effectiveWeight() {
        int in = weight.k();
        int out = weight.n();
        float[] w = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                w[o * in + i] = weight.get(o, i);
            }
        }
        if (transform == null) {
            return w;
        }
        // y = T(x)·Ŵᵀ = x·(Ŵ·M)ᵀ with T(x) = x·Mᵀ; row i of T(I) is column i of M
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
        return weight.byteSize() + (bias == null ? 0 : 4L * bias.length)
                + (transform == null ? 0 : transform.parameterBytes());
    }

    @Override
    public String format() {
        String grouping = weight.groupSize() == weight.k() ? "per-channel" : "g" + weight.groupSize();
        return "w" + weight.bits() + "a16 " + grouping + (weight.symmetric() ? " sym" : " asym")
                + (transform == null ? "" : " +" + transform.describe());
    }

    @Override
    public String toString() {
        return "WeightOnlyLinear[" + weight.n() + "x" + weight.k() + ", " + format() + "]";
    }
}
