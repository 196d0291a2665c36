package io.github.dllmquant.core.linear;

/**
 * A full-precision F32 linear layer. The reference every quantized layer is compared with.
 */
public final class DenseLinear implements Linear {

    private final float[] weight; // (out, in)
    private final float[] bias;   // (out) or null
    private final int out;
    private final int in;

    private DenseLinear(float[] weight, float[] bias, int out, int in) {
        this.weight = weight;
        this.bias = bias;
        this.out = out;
        this.in = in;
    }

    /**
     * A layer over a copy of {@code weight}.
     *
     * @param weight {@code [out, in]} row-major
     * @param bias   {@code [out]} or {@code null}
     */
    public static DenseLinear of(float[] weight, float[] bias, int out, int in) {
        if (out <= 0 || in <= 0) {
            throw new IllegalArgumentException("out and in must be positive: out=" + out + ", in=" + in);
        }
        if (weight.length != (long) out * in) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, expected out*in = "
                    + out + "*" + in + " = " + (long) out * in);
        }
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected out = " + out);
        }
        return new DenseLinear(weight.clone(), bias == null ? null : bias.clone(), out, in);
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
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                float acc = 0f;
                int xo = t * in;
                int wo = o * in;
                for (int i = 0; i < in; i++) {
                    acc += x[xo + i] * weight[wo + i];
                }
                y[t * out + o] = bias == null ? acc : acc + bias[o];
            }
        }
    }

    @Override
    public float[] effectiveWeight() {
        return weight.clone();
    }

    @Override
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    @Override
    public long parameterBytes() {
        return 4L * weight.length + (bias == null ? 0 : 4L * bias.length);
    }

    @Override
    public String format() {
        return "f32";
    }

    @Override
    public String toString() {
        return "DenseLinear[" + out + "x" + in + (bias == null ? "" : ", bias") + "]";
    }
}
