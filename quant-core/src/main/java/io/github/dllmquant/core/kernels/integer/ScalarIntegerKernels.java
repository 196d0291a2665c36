package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.quant.ActivationQuantizer;

/**
 * The scalar specification of {@link IntegerKernels}: plain loops, one element at a time, written to
 * be read. The Panama twin is tested against it.
 */
public final class ScalarIntegerKernels implements IntegerKernels {

    /** The shared instance (the class has no state). */
    public static final ScalarIntegerKernels INSTANCE = new ScalarIntegerKernels();

    private ScalarIntegerKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void quantizePerToken(float[] x, ActivationQuantizer aq, QuantizedActivations out) {
        int tokens = out.tokens();
        int k = out.k();
        int groupSize = out.groupSize();
        int groups = out.groups();
        byte[] codes = out.codes();
        int[] sums = out.sums();
        boolean minus128 = false;
        for (int t = 0; t < tokens; t++) {
            int off = t * k;
            TokenGrid grid = TokenGrid.of(x, off, k, aq, t);
            out.scales()[t] = grid.scale();
            out.zeros()[t] = grid.centredZero();
            float s = grid.scale();
            for (int g = 0; g < groups; g++) {
                int sum = 0;
                for (int i = off + g * groupSize; i < off + (g + 1) * groupSize; i++) {
                    // q = clamp(rint(x/s) + z, lo, hi) − centre, written as rint(clamp(x/s, lo − z, hi − z)) + zc:
                    // equal because the bounds are integers, and it is the form the vector twin computes.
                    float u = Math.min(Math.max(x[i] / s, grid.lowerBound()), grid.upperBound());
                    int c = (int) Math.rint(u) + grid.centredZero();
                    codes[i] = (byte) c;
                    sum += c;
                    minus128 |= c == -128;
                }
                sums[t * groups + g] = sum;
            }
        }
        out.markQuantized(aq, minus128);
    }

    @Override
    public void gemm(Int8Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        int in = w.in();
        int out = w.out();
        int groupSize = w.groupSize();
        int groups = w.groups();
        byte[] wc = w.codes();
        byte[] ac = a.codes();
        for (int t = 0; t < a.tokens(); t++) {
            int za = a.zeros()[t];
            for (int o = rowStart; o < rowEnd; o++) {
                float acc = 0f;
                for (int g = 0; g < groups; g++) {
                    int dot = 0;
                    int wOff = o * in + g * groupSize;
                    int aOff = t * in + g * groupSize;
                    for (int i = 0; i < groupSize; i++) {
                        dot += wc[wOff + i] * ac[aOff + i];
                    }
                    int wg = o * groups + g;
                    long exact = IntegerKernels.correctedDot(dot, w.sums()[wg], a.sums()[t * groups + g],
                            w.zeros()[wg], za, groupSize);
                    acc += (float) exact * w.scales()[wg];
                }
                y[t * out + o] = acc * a.scales()[t];
            }
        }
    }

    /** ggml's Q4_0 block; the scalar kernel reads any block size. */
    @Override
    public int int4Block() {
        return 32;
    }

    @Override
    public void gemm(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        int in = w.in();
        int out = w.out();
        int groupSize = w.groupSize();
        int groups = w.groups();
        byte[] ac = a.codes();
        // one row's unsigned codes, read from whichever layout the weights hold (row-major nibbles or panels)
        int[] q = new int[in];
        for (int o = rowStart; o < rowEnd; o++) {
            for (int i = 0; i < in; i++) {
                q[i] = w.code(o, i);
            }
            for (int t = 0; t < a.tokens(); t++) {
                int za = a.zeros()[t];
                float acc = 0f;
                for (int g = 0; g < groups; g++) {
                    int dot = 0;
                    for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                        dot += q[i] * ac[t * in + i];
                    }
                    int wg = w.meta(o, g);
                    long exact = IntegerKernels.correctedDot(dot, w.sums()[wg], a.sums()[t * groups + g],
                            w.zeros()[wg], za, groupSize);
                    acc += (float) exact * w.scales()[wg];
                }
                y[t * out + o] = acc * a.scales()[t];
            }
        }
    }
}
