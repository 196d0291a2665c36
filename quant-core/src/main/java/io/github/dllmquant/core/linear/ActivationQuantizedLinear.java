package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.integer.Int4Weights;
import io.github.dllmquant.core.kernels.integer.Int8Weights;
import io.github.dllmquant.core.kernels.integer.IntegerOps;
import io.github.dllmquant.core.kernels.integer.QuantizedActivations;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;

/**
 * A weight+activation quantized linear layer (W8A8, W4A8, W4A4, any weight bits 2..8) executed on
 * integer kernels, not fake-quantized in float. Each call:
 * <ol>
 *   <li>applies the optional online {@link InputTransform} (QuaRot Hadamard, DuQuant rotation) to a
 *       copy of {@code x};</li>
 *   <li>quantizes every token's activations with its own dynamic scale ({@link ActivationQuantizer});</li>
 *   <li>runs an exact integer GEMM per (token, weight group),
 *       {@code acc = Σ (q_w − z_w)(q_a − z_a)} in int32, and accumulates {@code acc·s_w·s_a} in float;</li>
 *   <li>adds the bias.</li>
 * </ol>
 * Immutable and safe for concurrent {@link #forward} calls (all scratch is per call).
 */
public final class ActivationQuantizedLinear implements Linear {

    private final int out;
    private final int in;
    private final int groupSize;
    /** The grid's symmetry flag, for {@link #weight()} and {@link #format()}: the kernel layouts keep only zeros. */
    private final boolean symmetric;
    private final float[] bias;
    private final ActivationQuantizer activationQuantizer;
    private final InputTransform transform;
    /**
     * Exactly one of the two kernel layouts is built: int4 nibbles when the weight allows, else int8. The
     * {@link QuantizedWeight} is not kept besides it (until session 7 it was: another byte per weight that
     * {@link #parameterBytes()} did not count); {@link #weight()} rebuilds it.
     */
    private final Int4Weights int4;
    private final Int8Weights int8;

    private ActivationQuantizedLinear(QuantizedWeight weight, float[] bias, ActivationQuantizer aq, InputTransform transform) {
        this.out = weight.out();
        this.in = weight.in();
        this.groupSize = weight.groupSize();
        this.symmetric = weight.symmetric();
        this.bias = bias;
        this.activationQuantizer = aq;
        this.transform = transform;
        this.int4 = IntegerOps.packInt4OrNull(weight);
        this.int8 = int4 == null ? Int8Weights.of(weight) : null;
    }

    /**
     * A layer over {@code w}, converted into the kernel layout; the layer does not keep {@code w}.
     *
     * @param w               the quantized weight {@code [out, in]}; zero points must be integers
     * @param bias            {@code [out]} or {@code null}; copied
     * @param aq              per-token dynamic activation quantizer settings
     * @param transformOrNull online transform of each token's input (width {@code in}), or {@code null}
     */
    public static ActivationQuantizedLinear of(QuantizedWeight w, float[] bias, ActivationQuantizer aq,
                                               InputTransform transformOrNull) {
        if (w == null) {
            throw new IllegalArgumentException("quantized weight must not be null");
        }
        if (aq == null) {
            throw new IllegalArgumentException("activation quantizer must not be null");
        }
        if (bias != null && bias.length != w.out()) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected out = " + w.out());
        }
        if (transformOrNull != null && transformOrNull.width() != w.in()) {
            throw new IllegalArgumentException("transform width " + transformOrNull.width()
                    + " does not match the layer's in = " + w.in() + " (" + transformOrNull.describe() + ")");
        }
        return new ActivationQuantizedLinear(w, bias == null ? null : bias.clone(), aq, transformOrNull);
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }

    @Override
    public void forward(float[] x, int tokens, float[] y) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be at least 1, got " + tokens);
        }
        if (x.length < (long) tokens * in) {
            throw new IllegalArgumentException("x has " + x.length + " floats, need tokens*in = " + tokens + "*" + in);
        }
        if (y.length < (long) tokens * out) {
            throw new IllegalArgumentException("y has " + y.length + " floats, need tokens*out = " + tokens + "*" + out);
        }
        forwardQuantized(quantizeInput(x, tokens), y);
    }

    /**
     * Steps 1-2 of {@link #forward}: the online transform on a copy of {@code x} (which stays untouched), then
     * per-token quantization. Linears that read one input (q/k/v) and {@link #sharesInputWith} each other can
     * quantize it once and each run {@link #forwardQuantized} on the result: exactly what each
     * {@link #forward} would compute.
     *
     * @param x      {@code [tokens, in]}
     * @param tokens rows
     */
    public QuantizedActivations quantizeInput(float[] x, int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be at least 1, got " + tokens);
        }
        if (x.length < (long) tokens * in) {
            throw new IllegalArgumentException("x has " + x.length + " floats, need tokens*in = " + tokens + "*" + in);
        }
        float[] input = x;
        if (transform != null) {
            // transform a copy: the caller's activations stay untouched
            input = java.util.Arrays.copyOf(x, tokens * in);
            transform.apply(input, tokens);
        }
        return IntegerOps.quantizePerToken(input, tokens, in, groupSize, activationQuantizer);
    }

    /**
     * Steps 3-4 of {@link #forward} on an input quantized by {@link #quantizeInput} of this layer or of one
     * that {@link #sharesInputWith} it.
     *
     * @param a {@code a.tokens()} rows of {@code in} features, with this layer's group size
     * @param y {@code [a.tokens(), out]}, overwritten
     */
    public void forwardQuantized(QuantizedActivations a, float[] y) {
        if (a.k() != in || a.groupSize() != groupSize) {
            throw new IllegalArgumentException("quantized input has k " + a.k() + ", group " + a.groupSize()
                    + "; the layer reads in " + in + ", group " + groupSize);
        }
        int tokens = a.tokens();
        if (y.length < (long) tokens * out) {
            throw new IllegalArgumentException("y has " + y.length + " floats, need tokens*out = " + tokens + "*" + out);
        }
        if (int4 != null) {
            IntegerOps.gemm(int4, a, y, Parallel.pool());
        } else {
            IntegerOps.gemm(int8, a, y, Parallel.pool());
        }
        if (bias != null) {
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < out; o++) {
                    y[t * out + o] += bias[o];
                }
            }
        }
    }

    /**
     * Whether {@code other}'s {@link #quantizeInput} gives exactly this layer's: the same online transform
     * instance (or none), the same activation quantizer, input width and weight group size.
     */
    public boolean sharesInputWith(ActivationQuantizedLinear other) {
        return other.transform == transform && other.activationQuantizer.equals(activationQuantizer)
                && other.in == in && other.groupSize == groupSize;
    }

    /**
     * The dequantized weight with the online transform folded back in: column {@code i} is
     * {@code Ŵ·T(e_i)}, so {@code x·W_effᵀ = T(x)·Ŵᵀ}. Activation quantization (nonlinear) is not
     * represented. Costs {@code in²·out} multiply-adds with a transform.
     */
    @Override
    public float[] effectiveWeight() {
        float[] w = weight().dequantize();
        if (transform == null) {
            return w;
        }
        float[] basis = new float[in * in]; // row i = T(e_i)
        for (int i = 0; i < in; i++) {
            basis[i * in + i] = 1f;
        }
        transform.apply(basis, in);
        float[] eff = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double acc = 0;
                for (int j = 0; j < in; j++) {
                    acc += (double) w[o * in + j] * basis[i * in + j];
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

    /**
     * The quantized weight this layer runs, rebuilt from the kernel layout: equal field by field to the one the
     * layer was made of (a {@code −0.0} zero point comes back as {@code 0.0}). Allocates a fresh copy on every call,
     * {@code out·in} bytes plus the per-group scales and zeros: call it once per layer (to save it), not per forward.
     */
    public QuantizedWeight weight() {
        return int4 != null ? int4.toQuantizedWeight(symmetric) : int8.toQuantizedWeight(symmetric);
    }

    /** The per-token activation quantizer settings. */
    public ActivationQuantizer activationQuantizer() {
        return activationQuantizer;
    }

    /** The online input transform, or {@code null} when there is none. */
    public InputTransform transform() {
        return transform;
    }

    @Override
    public long parameterBytes() {
        return (int4 != null ? int4.bytes() : int8.bytes()) + (bias == null ? 0 : 4L * bias.length)
                + (transform == null ? 0 : transform.parameterBytes());
    }

    @Override
    public String format() {
        StringBuilder sb = new StringBuilder()
                .append('w').append(int4 != null ? int4.bits() : int8.bits()).append('a').append(activationQuantizer.bits())
                .append(groupSize == in ? " per-channel" : " g" + groupSize)
                .append(symmetric ? " sym" : " asym")
                .append(", act ").append(activationQuantizer.symmetric() ? "sym" : "asym");
        if (activationQuantizer.clipRatio() != 1f) {
            sb.append(" clip ").append(activationQuantizer.clipRatio());
        }
        if (transform != null) {
            sb.append(", ").append(transform.describe());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "ActivationQuantizedLinear[" + out + "x" + in + ", " + format() + "]";
    }
}
