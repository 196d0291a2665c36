package io.github.dllmquant.methods.synthetic;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.ModelDims;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.spi.QuantizableBlock;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tests-only LLaMA-style block: RMSNorm → q/k/v → bidirectional softmax attention (GQA) → o, residual;
 * RMSNorm → SwiGLU (gate, up) → down, residual. No RoPE (it does not interact with the transforms tested).
 * Attention and SiLU are computed in double as a plain scalar reference, independent of the runtime's kernels;
 * {@link #advance} runs the same code as {@link #forward}, so a stage walk reproduces it bit for bit.
 */
public final class SyntheticBlock implements QuantizableBlock {

    private final int index;
    private final int hidden;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int ff;
    private final double eps;
    private final Map<LinearRole, Linear> linears = new EnumMap<>(LinearRole.class);
    private final Map<NormRole, float[]> norms = new EnumMap<>(NormRole.class);

    /** A block without weights yet: the constructors below fill {@link #linears} and {@link #norms}. */
    private SyntheticBlock(int index, int hidden, int heads, int kvHeads, int headDim, int ff) {
        this.index = index;
        this.hidden = hidden;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.ff = ff;
        this.eps = 1e-5;
    }

    /**
     * A block with random weights and activation outliers planted in the weights.
     *
     * @param qkvBias         give q/k/v a bias (Dream style)
     * @param outlierFeatures FFN channels whose gate/up rows are scaled by 6, planting massive down inputs
     * @param quietColumns    residual channels that carry activation outliers: q/k/v/gate/up read them through
     *                        weight columns scaled by 1/50, as in real LLMs, so the outliers hurt activation
     *                        quantization without dominating the outputs
     */
    public SyntheticBlock(int index, int hidden, int heads, int kvHeads, int headDim, int ff, boolean qkvBias,
                          int[] outlierFeatures, int[] quietColumns, long seed) {
        this(index, hidden, heads, kvHeads, headDim, ff);
        Random r = new Random(seed);
        linears.put(LinearRole.Q, random(r, heads * headDim, hidden, qkvBias, null, quietColumns));
        linears.put(LinearRole.K, random(r, kvHeads * headDim, hidden, qkvBias, null, quietColumns));
        linears.put(LinearRole.V, random(r, kvHeads * headDim, hidden, qkvBias, null, quietColumns));
        linears.put(LinearRole.O, random(r, hidden, heads * headDim, false, null, null));
        linears.put(LinearRole.GATE, random(r, ff, hidden, false, outlierFeatures, quietColumns));
        linears.put(LinearRole.UP, random(r, ff, hidden, false, outlierFeatures, quietColumns));
        linears.put(LinearRole.DOWN, random(r, hidden, ff, false, null, null));
        norms.put(NormRole.ATTENTION, gains(r, hidden));
        norms.put(NormRole.FFN, gains(r, hidden));
    }

    /**
     * A block whose activation outliers come from the norm gains ({@link SyntheticModel#withNormGainOutliers}):
     * Gaussian weights with standard deviation 1/√in (o and down halved), unit gains, and with {@code outliers}
     * three channels of each gain set to 50, 80 and 100, so the q/k/v and gate/up inputs carry a few channels
     * 50-100x larger on every token. Draws from the model's shared {@code r}.
     */
    static SyntheticBlock withNormGainOutliers(int index, ModelDims dims, Random r, boolean outliers) {
        int d = dims.hidden();
        int kv = dims.kvHeads() * dims.headDim();
        int f = dims.intermediate();
        SyntheticBlock b = new SyntheticBlock(index, d, dims.heads(), dims.kvHeads(), dims.headDim(), f);
        float sd = 1f / (float) Math.sqrt(d);
        float sf = 1f / (float) Math.sqrt(f);
        b.linears.put(LinearRole.Q, DenseLinear.of(SyntheticModel.gaussian(r, d * d, sd), null, d, d));
        b.linears.put(LinearRole.K, DenseLinear.of(SyntheticModel.gaussian(r, kv * d, sd), null, kv, d));
        b.linears.put(LinearRole.V, DenseLinear.of(SyntheticModel.gaussian(r, kv * d, sd), null, kv, d));
        b.linears.put(LinearRole.O, DenseLinear.of(SyntheticModel.gaussian(r, d * d, sd * 0.5f), null, d, d));
        b.linears.put(LinearRole.GATE, DenseLinear.of(SyntheticModel.gaussian(r, f * d, sd), null, f, d));
        b.linears.put(LinearRole.UP, DenseLinear.of(SyntheticModel.gaussian(r, f * d, sd), null, f, d));
        b.linears.put(LinearRole.DOWN, DenseLinear.of(SyntheticModel.gaussian(r, d * f, sf * 0.5f), null, d, f));
        float[] attn = new float[d];
        float[] ffn = new float[d];
        Arrays.fill(attn, 1f);
        Arrays.fill(ffn, 1f);
        if (outliers) {
            int[] channels = {3, d / 2 + 1, d - 5};
            float[] big = {50f, 80f, 100f};
            for (int c = 0; c < channels.length; c++) {
                attn[channels[c]] = big[c];
                ffn[channels[(c + 1) % channels.length]] = big[c];
            }
        }
        b.norms.put(NormRole.ATTENTION, attn);
        b.norms.put(NormRole.FFN, ffn);
        return b;
    }

    private static float[] gains(Random r, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = 0.5f + r.nextFloat();
        }
        return g;
    }

    private static DenseLinear random(Random r, int out, int in, boolean bias, int[] bigRows, int[] quietColumns) {
        float[] w = new float[out * in];
        double std = 1 / Math.sqrt(in);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * std);
        }
        if (bigRows != null) {
            for (int row : bigRows) {
                for (int i = 0; i < in; i++) {
                    w[row * in + i] *= 6f;
                }
            }
        }
        if (quietColumns != null) {
            for (int c : quietColumns) {
                for (int o = 0; o < out; o++) {
                    w[o * in + c] /= 50f;
                }
            }
        }
        float[] b = null;
        if (bias) {
            b = new float[out];
            for (int i = 0; i < out; i++) {
                b[i] = (float) (r.nextGaussian() * 0.1);
            }
        }
        return DenseLinear.of(w, b, out, in);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public List<LinearGroup> groups() {
        return LinearGroup.llamaStyle();
    }

    @Override
    public Linear linear(LinearRole role) {
        return linears.get(role);
    }

    @Override
    public void setLinear(LinearRole role, Linear linear) {
        Linear old = linears.get(role);
        if (old.inFeatures() != linear.inFeatures() || old.outFeatures() != linear.outFeatures()) {
            throw new IllegalArgumentException("shape mismatch for " + role);
        }
        linears.put(role, linear);
    }

    @Override
    public String name(LinearRole role) {
        return "blocks." + index + "." + role.name().toLowerCase();
    }

    @Override
    public float[] normWeight(NormRole role) {
        return norms.get(role).clone();
    }

    @Override
    public void setNormWeight(NormRole role, float[] weight) {
        norms.put(role, weight.clone());
    }

    static float[] rmsNorm(float[] x, int tokens, int d, float[] gamma, double eps) {
        float[] y = new float[tokens * d];
        for (int t = 0; t < tokens; t++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) x[t * d + i] * x[t * d + i];
            }
            float inv = (float) (1 / Math.sqrt(ss / d + eps));
            for (int i = 0; i < d; i++) {
                y[t * d + i] = x[t * d + i] * inv * gamma[i];
            }
        }
        return y;
    }

    private static float[] run(Linear l, float[] x, int tokens) {
        float[] y = new float[tokens * l.outFeatures()];
        l.forward(x, tokens, y);
        return y;
    }

    private float[] attention(float[] h, int tokens) {
        float[] q = run(linears.get(LinearRole.Q), h, tokens);
        float[] k = run(linears.get(LinearRole.K), h, tokens);
        float[] v = run(linears.get(LinearRole.V), h, tokens);
        int qw = heads * headDim;
        int kw = kvHeads * headDim;
        float[] a = new float[tokens * qw];
        double[] p = new double[tokens];
        int group = heads / kvHeads;
        for (int hh = 0; hh < heads; hh++) {
            int g = hh / group;
            for (int t = 0; t < tokens; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < tokens; s++) {
                    double dot = 0;
                    for (int i = 0; i < headDim; i++) {
                        dot += q[t * qw + hh * headDim + i] * k[s * kw + g * headDim + i];
                    }
                    p[s] = dot / Math.sqrt(headDim);
                    max = Math.max(max, p[s]);
                }
                double sum = 0;
                for (int s = 0; s < tokens; s++) {
                    p[s] = Math.exp(p[s] - max);
                    sum += p[s];
                }
                for (int i = 0; i < headDim; i++) {
                    double acc = 0;
                    for (int s = 0; s < tokens; s++) {
                        acc += p[s] * v[s * kw + g * headDim + i];
                    }
                    a[t * qw + hh * headDim + i] = (float) (acc / sum);
                }
            }
        }
        return a;
    }

    private float[] swiglu(float[] h, int tokens) {
        float[] g = run(linears.get(LinearRole.GATE), h, tokens);
        float[] u = run(linears.get(LinearRole.UP), h, tokens);
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (g[i] / (1 + Math.exp(-g[i]))) * u[i];
        }
        return g;
    }

    @Override
    public float[] forward(float[] x, int tokens, ActivationObserver observer) {
        // attention rmsnorm
        float[] h = rmsNorm(x, tokens, hidden, norms.get(NormRole.ATTENTION), eps);
        observer.onGroupInput(GroupRole.QKV, h, tokens);
        float[] a = attention(h, tokens);
        observer.onGroupInput(GroupRole.O, a, tokens);
        float[] o = run(linears.get(LinearRole.O), a, tokens);
        // residual back into x
        float[] x1 = x.clone();
        for (int i = 0; i < x1.length; i++) {
            x1[i] += o[i];
        }
        // ffn rmsnorm, SwiGLU, down
        float[] h2 = rmsNorm(x1, tokens, hidden, norms.get(NormRole.FFN), eps);
        observer.onGroupInput(GroupRole.GATE_UP, h2, tokens);
        float[] m = swiglu(h2, tokens);
        observer.onGroupInput(GroupRole.DOWN, m, tokens);
        float[] dn = run(linears.get(LinearRole.DOWN), m, tokens);
        for (int i = 0; i < x1.length; i++) {
            x1[i] += dn[i];
        }
        return x1;
    }

    @Override
    public BlockStage beginStage(float[] x, int tokens) {
        return new BlockStage(GroupRole.QKV, x, rmsNorm(x, tokens, hidden, norms.get(NormRole.ATTENTION), eps), tokens);
    }

    @Override
    public BlockStage advance(BlockStage stage) {
        int t = stage.tokens();
        float[] in = stage.groupInput();
        return switch (stage.next()) {
            case QKV -> new BlockStage(GroupRole.O, stage.residual(), attention(in, t), t);
            case O -> {
                float[] x1 = plus(stage.residual(), run(linears.get(LinearRole.O), in, t));
                yield new BlockStage(GroupRole.GATE_UP, x1, rmsNorm(x1, t, hidden, norms.get(NormRole.FFN), eps), t);
            }
            case GATE_UP -> new BlockStage(GroupRole.DOWN, stage.residual(), swiglu(in, t), t);
            case DOWN -> new BlockStage(null, plus(stage.residual(), run(linears.get(LinearRole.DOWN), in, t)), null, t);
        };
    }

    private static float[] plus(float[] residual, float[] branch) {
        float[] h = residual.clone();
        for (int i = 0; i < h.length; i++) {
            h[i] += branch[i];
        }
        return h;
    }

    @Override
    public float[] subLayerForward(GroupRole role, float[] groupInput, int tokens) {
        return switch (role) {
            case QKV -> run(linears.get(LinearRole.O), attention(groupInput, tokens), tokens);
            case O -> run(linears.get(LinearRole.O), groupInput, tokens);
            case GATE_UP -> run(linears.get(LinearRole.DOWN), swiglu(groupInput, tokens), tokens);
            case DOWN -> run(linears.get(LinearRole.DOWN), groupInput, tokens);
        };
    }
}
