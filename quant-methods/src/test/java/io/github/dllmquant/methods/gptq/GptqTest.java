package io.github.dllmquant.methods.gptq;

import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.methods.rtn.Rtn;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GptqTest {

    @Test
    void tinyCaseMatchesAnIndependentDoubleComputation() {
        Random r = new Random(3);
        int out = 4, in = 8;
        float[] W = SyntheticModel.gaussian(r, out * in, 1f);
        float[] X = SyntheticModel.gaussian(r, 32 * in, 1f);
        float[] H = hessian(X, 32, in);
        for (boolean sym : new boolean[]{true, false}) {
            WeightQuantizer grid = WeightQuantizer.of(4, 4, sym);
            // B = 2 exercises the lazy batch update; groups of 4 start on batch boundaries
            GptqResult got = Gptq.quantize(W, out, in, H, new GptqSettings(grid, 0.01, 0.01, 2, false, false));
            Reference want = reference(W, out, in, H, 4, sym, 0.01, 2, null);
            assertThat(codes(got.weight())).as("codes sym=%s", sym).containsExactly(want.codes);
            assertThat(got.weight().scales()).containsExactly(want.scales, within(1e-5f));
            assertThat(got.weight().zeros()).containsExactly(want.zeros);
            assertThat(got.loss()).isCloseTo(want.loss, within(1e-4 * want.loss));
            assertThat(got.gIdx()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
            assertThat(got.note()).isEmpty();
        }
    }

    @Test
    void dynamicGroupsInsideABatchUseStaleParamsLikeTheReference() {
        Random r = new Random(5);
        int out = 6, in = 16;
        float[] W = SyntheticModel.gaussian(r, out * in, 1f);
        float[] X = SyntheticModel.gaussian(r, 64 * in, 1f);
        float[] H = hessian(X, 64, in);
        // g = 4 inside batches of 8: the second group of each batch takes params from the batch-start W
        GptqResult got = Gptq.quantize(W, out, in, H, new GptqSettings(WeightQuantizer.of(3, 4, true), 0.01, 0.01, 8, false, false));
        Reference stale = reference(W, out, in, H, 3, 4, true, 0.01, 8, null);
        Reference fresh = reference(W, out, in, H, 3, 4, true, 0.01, 1, null);
        assertThat(codes(got.weight())).containsExactly(stale.codes);
        assertThat(got.weight().scales()).containsExactly(stale.scales, within(1e-5f));
        assertThat(stale.scales).isNotEqualTo(fresh.scales); // the test can tell the two behaviours apart
    }

    @Test
    void actOrderWithDynamicGroupsPermutesColumnsAndGIdxDescribesTheGather() {
        Random r = new Random(11);
        int out = 5, in = 8;
        float[] W = SyntheticModel.gaussian(r, out * in, 1f);
        float[] X = SyntheticModel.gaussian(r, 40 * in, 1f);
        for (int t = 0; t < 40; t++) {
            X[t * in + 6] *= 8; // channel 6 has the largest diag H: processed first
        }
        float[] H = hessian(X, 40, in);
        GptqResult got = Gptq.quantize(W, out, in, H, new GptqSettings(WeightQuantizer.of(4, 4, true), 0.01, 0.01, 128, true, false));
        assertThat(got.perm()[0]).isEqualTo(6);
        assertThat(got.columnsPermuted()).isTrue();
        Reference want = reference(W, out, in, H, 4, true, 0.01, in, got.perm());
        assertThat(codes(got.weight())).containsExactly(want.codes);
        for (int p = 0; p < in; p++) {
            assertThat(got.gIdx()[got.perm()[p]]).isEqualTo(p / 4);
        }
        // the layer (permuted weight + online gather) equals the weight dequantized through g_idx
        Linear layer = GptqMethod.apply(got, null, null);
        QuantizedWeight q = got.weight();
        float[] x = SyntheticModel.gaussian(r, 3 * in, 1f);
        float[] y = new float[3 * out];
        layer.forward(x, 3, y);
        for (int t = 0; t < 3; t++) {
            for (int o = 0; o < out; o++) {
                double acc = 0;
                for (int j = 0; j < in; j++) {
                    int p = indexOf(got.perm(), j);
                    int k = o * q.groups() + got.gIdx()[j];
                    acc += x[t * in + j] * q.scales()[k] * (q.code(o, p) - q.zeros()[k]);
                }
                assertThat(y[t * out + o]).isCloseTo((float) acc, within(1e-4f));
            }
        }
        // static groups keep the original order: trivial g_idx, no gather
        GptqResult st = Gptq.quantize(W, out, in, H, new GptqSettings(WeightQuantizer.of(4, 4, true), 0.01, 0.01, 128, true, true));
        assertThat(st.columnsPermuted()).isFalse();
        assertThat(st.gIdx()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
    }

    @Test
    void deadColumnsAreZeroedAndDampingRisesThenFallsBackToRtn() {
        int in = 2;
        float[] W = {0.5f, -1f, 0.25f, 0.75f};
        float[] dead = {0, 0, 0, 2};
        GptqResult d = Gptq.quantize(W, 2, in, dead, GptqSettings.of(WeightQuantizer.of(4, -1, true)));
        assertThat(d.weight().dequantize(0, 0)).isEqualTo(0f);
        assertThat(d.weight().dequantize(1, 0)).isEqualTo(0f);

        float[] indefinite = {1f, 1.015f, 1.015f, 1f}; // eigenvalue −0.015: 0.01 fails, 0.02 factorises
        GptqResult raised = Gptq.quantize(W, 2, in, indefinite, GptqSettings.of(WeightQuantizer.of(4, -1, true)));
        assertThat(raised.percdamp()).isCloseTo(0.02, within(1e-12));
        assertThat(raised.note()).contains("percdamp raised to 0.020");

        float[] negative = {-1f, 0f, 0f, -1f};
        GptqResult rtn = Gptq.quantize(W, 2, in, negative, GptqSettings.of(WeightQuantizer.of(4, -1, true)));
        assertThat(rtn.fellBackToRtn()).isTrue();
        assertThat(rtn.note()).contains("RTN fallback");
        assertThat(rtn.weight().codes()).containsExactly(Rtn.quantize(W, 2, in, WeightQuantizer.of(4, -1, true)).codes());
    }

    @Test
    void gptqBeatsRtnOnALayerWithPlantedActivationOutliers() {
        Random r = new Random(17);
        int out = 48, in = 128, tokens = 1024;
        float[] W = SyntheticModel.gaussian(r, out * in, 0.05f);
        float[] calib = outlierActivations(r, tokens, in);
        float[] test = outlierActivations(new Random(99), tokens, in);
        for (int g : new int[]{-1, 32}) {
            WeightQuantizer grid = WeightQuantizer.of(4, g, true);
            GptqResult gptq = Gptq.quantize(W, out, in, hessian(calib, tokens, in), GptqSettings.of(grid));
            QuantizedWeight rtn = Rtn.quantize(W, out, in, grid);
            double eGptq = outputError(test, tokens, W, gptq.weight().dequantize(), out, in);
            double eRtn = outputError(test, tokens, W, rtn.dequantize(), out, in);
            assertThat(eGptq).as("group %d", g).isLessThan(0.7 * eRtn);
        }
    }

    // --- the independent reference: textbook GPTQ in double, immediate updates, explicit inverse ---

    record Reference(byte[] codes, float[] scales, float[] zeros, double loss) {
    }

    /**
     * Column by column in double: U = chol(inverse(H + damp))ᵀ by Gauss–Jordan and textbook Cholesky; params of
     * a group come from a snapshot of W taken every {@code batch} columns, which is what the lazy batches see
     * (batch = 1: the real-time W).
     */
    static Reference reference(float[] W0, int out, int in, float[] H0, int g, boolean sym, double percdamp, int batch,
                               int[] perm) {
        return reference(W0, out, in, H0, 4, g, sym, percdamp, batch, perm);
    }

    static Reference reference(float[] W0, int out, int in, float[] H0, int bits, int g, boolean sym, double percdamp,
                               int batch, int[] perm) {
        if (perm == null) {
            perm = new int[in];
            for (int j = 0; j < in; j++) {
                perm[j] = j;
            }
        }
        double[][] W = new double[out][in];
        double[][] H = new double[in][in];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < in; j++) {
                H[i][j] = H0[perm[i] * in + perm[j]];
            }
            for (int o = 0; o < out; o++) {
                W[o][i] = W0[o * in + perm[i]];
            }
        }
        double mean = 0;
        for (int i = 0; i < in; i++) {
            mean += H[i][i] / in;
        }
        for (int i = 0; i < in; i++) {
            H[i][i] += percdamp * mean;
        }
        double[][] U = transpose(cholesky(gaussJordanInverse(H)));
        int maxq = (1 << bits) - 1;
        int groups = in / g;
        byte[] codes = new byte[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        double loss = 0;
        float s;
        float z;
        double[][] Wg = copy(W);
        for (int j = 0; j < in; j++) {
            if (j % batch == 0) {
                Wg = copy(W);
            }
            for (int o = 0; o < out; o++) {
                if (j % g == 0) {
                    double mn = 0, mx = 0;
                    double[] src = batch == 1 ? W[o] : Wg[o];
                    for (int k = j; k < j + g; k++) {
                        mn = Math.min(mn, (float) src[k]);
                        mx = Math.max(mx, (float) src[k]);
                    }
                    if (sym) {
                        mx = Math.max(-mn, mx);
                        if (mn < 0) {
                            mn = -mx;
                        }
                    }
                    if (mn == 0 && mx == 0) {
                        mn = -1;
                        mx = 1;
                    }
                    s = (float) ((float) mx - (float) mn) / maxq;
                    z = sym ? (maxq + 1) / 2f : (float) Math.rint(-(float) mn / s);
                    scales[o * groups + j / g] = s;
                    zeros[o * groups + j / g] = z;
                }
                s = scales[o * groups + j / g];
                z = zeros[o * groups + j / g];
                double w = W[o][j];
                int q = (int) Math.max(0, Math.min(maxq, Math.rint((float) w / s) + z));
                codes[o * in + j] = (byte) q;
                double wq = s * (q - z);
                double d = U[j][j];
                loss += (w - wq) * (w - wq) / (d * d) / 2;
                double e = (w - wq) / d;
                for (int k = j + 1; k < in; k++) {
                    W[o][k] -= e * U[j][k];
                }
            }
        }
        return new Reference(codes, scales, zeros, loss);
    }

    static double[][] gaussJordanInverse(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(m[i][c]) > Math.abs(m[p][c])) {
                    p = i;
                }
            }
            double[] t = m[c];
            m[c] = m[p];
            m[p] = t;
            double piv = m[c][c];
            for (int j = 0; j < 2 * n; j++) {
                m[c][j] /= piv;
            }
            for (int i = 0; i < n; i++) {
                if (i != c) {
                    double f = m[i][c];
                    for (int j = 0; j < 2 * n; j++) {
                        m[i][j] -= f * m[c][j];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inv[i], 0, n);
        }
        return inv;
    }

    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        return l;
    }

    static double[][] transpose(double[][] a) {
        int n = a.length;
        double[][] t = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    // --- helpers ---

    /**
     * Correlated activations (rank-16 mixing plus noise, as real hidden states are) with three channels
     * 50–100× larger on every token. The mixing matrix is fixed, so calibration and test draws share it.
     */
    static float[] outlierActivations(Random r, int tokens, int in) {
        Random fixed = new Random(12345);
        int rank = 16;
        float[] mix = SyntheticModel.gaussian(fixed, rank * in, 1f);
        float[] x = SyntheticModel.gaussian(r, tokens * in, 0.3f);
        for (int t = 0; t < tokens; t++) {
            for (int k = 0; k < rank; k++) {
                float z = (float) r.nextGaussian();
                for (int i = 0; i < in; i++) {
                    x[t * in + i] += z * mix[k * in + i] / 4f;
                }
            }
        }
        int[] channels = {5, 40, 97};
        float[] gains = {50f, 80f, 100f};
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < channels.length; c++) {
                x[t * in + channels[c]] *= gains[c];
            }
        }
        return x;
    }

    /** {@code 2/N·XᵀX} in double, N = 1 sequence. */
    static float[] hessian(float[] x, int tokens, int in) {
        float[] h = new float[in * in];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < in; j++) {
                double s = 0;
                for (int t = 0; t < tokens; t++) {
                    s += (double) x[t * in + i] * x[t * in + j];
                }
                h[i * in + j] = (float) (2 * s);
            }
        }
        return h;
    }

    static double outputError(float[] x, int tokens, float[] w, float[] wq, int out, int in) {
        double e = 0;
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                double d = 0;
                for (int i = 0; i < in; i++) {
                    d += x[t * in + i] * ((double) w[o * in + i] - wq[o * in + i]);
                }
                e += d * d;
            }
        }
        return e / ((double) tokens * out);
    }

    static byte[] codes(QuantizedWeight q) {
        return q.codes();
    }

    static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        throw new AssertionError(v);
    }
}
