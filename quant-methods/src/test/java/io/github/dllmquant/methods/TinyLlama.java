package io.github.dllmquant.methods;

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
import io.github.dllmquant.core.spi.QuantizableModel;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tests-only LLaMA-style model on the quantizable SPI: RMSNorm, bidirectional multi-head attention
 * (optionally grouped-query, no RoPE), SwiGLU MLP, residuals, DenseLinear layers with random weights.
 * Outliers are planted by giving a few channels of the norm gains a large value, so the q/k/v and gate/up
 * inputs carry a few channels 50-100x larger on every token.
 */
final class TinyLlama implements QuantizableModel {

    final ModelDims dims;
    final List<Block> blocks = new ArrayList<>();
    float[] embeddings;
    float[] finalNorm;
    Linear lmHead;

    /**
     * @param outliers whether to plant large channels in the norm gains
     */
    TinyLlama(int hidden, int heads, int kvHeads, int intermediate, int vocab, int layers, boolean outliers, long seed) {
        Random r = new Random(seed);
        int headDim = hidden / heads;
        this.dims = new ModelDims(hidden, heads, kvHeads, headDim, intermediate, vocab, vocab - 1, 1e-5);
        this.embeddings = gaussian(r, vocab * hidden, 1f);
        for (int i = 0; i < layers; i++) {
            blocks.add(new Block(i, r, outliers));
        }
        this.finalNorm = ones(hidden);
        this.lmHead = DenseLinear.of(gaussian(r, vocab * hidden, 1f / (float) Math.sqrt(hidden)), null, vocab, hidden);
    }

    static float[] gaussian(Random r, int n, float sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * sigma;
        }
        return x;
    }

    static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return x;
    }

    /** Full forward to the final hidden state (before the LM head). */
    float[] hidden(int[] ids) {
        float[] x = embed(ids);
        for (Block b : blocks) {
            x = b.forward(x, ids.length, ActivationObserver.NONE);
        }
        return x;
    }

    /** Logits {@code [tokens, vocab]}. */
    float[] logits(int[] ids) {
        float[] h = hidden(ids);
        float[] n = rmsNorm(h, ids.length, dims.hidden(), finalNorm);
        float[] y = new float[ids.length * dims.vocab()];
        lmHead.forward(n, ids.length, y);
        return y;
    }

    @Override
    public ModelDims dims() {
        return dims;
    }

    @Override
    public int blockCount() {
        return blocks.size();
    }

    @Override
    public Block block(int i) {
        return blocks.get(i);
    }

    @Override
    public float[] embed(int[] ids) {
        int d = dims.hidden();
        float[] x = new float[ids.length * d];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(embeddings, ids[t] * d, x, t * d, d);
        }
        return x;
    }

    @Override
    public float[] embeddings() {
        return embeddings.clone();
    }

    @Override
    public void setEmbeddings(float[] table) {
        embeddings = table.clone();
    }

    @Override
    public float[] finalNormWeight() {
        return finalNorm.clone();
    }

    @Override
    public void setFinalNormWeight(float[] weight) {
        finalNorm = weight.clone();
    }

    @Override
    public Linear lmHead() {
        return lmHead;
    }

    @Override
    public void setLmHead(Linear head) {
        lmHead = head;
    }

    float[] rmsNorm(float[] x, int tokens, int d, float[] gain) {
        float[] y = new float[tokens * d];
        for (int t = 0; t < tokens; t++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) x[t * d + i] * x[t * d + i];
            }
            float inv = (float) (1 / Math.sqrt(ss / d + dims.rmsEps()));
            for (int i = 0; i < d; i++) {
                y[t * d + i] = x[t * d + i] * inv * gain[i];
            }
        }
        return y;
    }

    final class Block implements QuantizableBlock {
        final int index;
        final Map<LinearRole, Linear> linears = new EnumMap<>(LinearRole.class);
        final Map<NormRole, float[]> norms = new EnumMap<>(NormRole.class);

        Block(int index, Random r, boolean outliers) {
            this.index = index;
            int d = dims.hidden();
            int kv = dims.kvHeads() * dims.headDim();
            int f = dims.intermediate();
            float sd = 1f / (float) Math.sqrt(d);
            float sf = 1f / (float) Math.sqrt(f);
            linears.put(LinearRole.Q, DenseLinear.of(gaussian(r, d * d, sd), null, d, d));
            linears.put(LinearRole.K, DenseLinear.of(gaussian(r, kv * d, sd), null, kv, d));
            linears.put(LinearRole.V, DenseLinear.of(gaussian(r, kv * d, sd), null, kv, d));
            linears.put(LinearRole.O, DenseLinear.of(gaussian(r, d * d, sd * 0.5f), null, d, d));
            linears.put(LinearRole.GATE, DenseLinear.of(gaussian(r, f * d, sd), null, f, d));
            linears.put(LinearRole.UP, DenseLinear.of(gaussian(r, f * d, sd), null, f, d));
            linears.put(LinearRole.DOWN, DenseLinear.of(gaussian(r, d * f, sf * 0.5f), null, d, f));
            float[] attn = ones(d);
            float[] ffn = ones(d);
            if (outliers) {
                int[] channels = {3, d / 2 + 1, d - 5};
                float[] gains = {50f, 80f, 100f};
                for (int c = 0; c < channels.length; c++) {
                    attn[channels[c]] = gains[c];
                    ffn[channels[(c + 1) % channels.length]] = gains[c];
                }
            }
            norms.put(NormRole.ATTENTION, attn);
            norms.put(NormRole.FFN, ffn);
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

        float[] apply(LinearRole role, float[] x, int tokens) {
            Linear l = linears.get(role);
            float[] y = new float[tokens * l.outFeatures()];
            l.forward(x, tokens, y);
            return y;
        }

        /** Bidirectional attention of q/k/v outputs; returns the concatenated head outputs. */
        float[] attention(float[] q, float[] k, float[] v, int tokens) {
            int h = dims.heads();
            int hd = dims.headDim();
            int kvh = dims.kvHeads();
            int d = h * hd;
            int kvd = kvh * hd;
            float[] out = new float[tokens * d];
            double scale = 1 / Math.sqrt(hd);
            double[] p = new double[tokens];
            for (int head = 0; head < h; head++) {
                int kh = head / (h / kvh);
                for (int t = 0; t < tokens; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < tokens; s++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) {
                            dot += q[t * d + head * hd + i] * k[s * kvd + kh * hd + i];
                        }
                        p[s] = dot * scale;
                        max = Math.max(max, p[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < tokens; s++) {
                        p[s] = Math.exp(p[s] - max);
                        sum += p[s];
                    }
                    for (int s = 0; s < tokens; s++) {
                        for (int i = 0; i < hd; i++) {
                            out[t * d + head * hd + i] += (float) (p[s] / sum * v[s * kvd + kh * hd + i]);
                        }
                    }
                }
            }
            return out;
        }

        float[] swiglu(float[] gate, float[] up) {
            float[] a = new float[gate.length];
            for (int i = 0; i < a.length; i++) {
                float g = gate[i];
                a[i] = g / (1f + (float) Math.exp(-g)) * up[i];
            }
            return a;
        }

        @Override
        public float[] forward(float[] x, int tokens, ActivationObserver observer) {
            int d = dims.hidden();
            float[] xn = rmsNorm(x, tokens, d, norms.get(NormRole.ATTENTION));
            observer.onGroupInput(GroupRole.QKV, xn, tokens);
            float[] att = attention(apply(LinearRole.Q, xn, tokens), apply(LinearRole.K, xn, tokens),
                    apply(LinearRole.V, xn, tokens), tokens);
            observer.onGroupInput(GroupRole.O, att, tokens);
            float[] o = apply(LinearRole.O, att, tokens);
            float[] h = x.clone();
            for (int i = 0; i < h.length; i++) {
                h[i] += o[i];
            }
            float[] hn = rmsNorm(h, tokens, d, norms.get(NormRole.FFN));
            observer.onGroupInput(GroupRole.GATE_UP, hn, tokens);
            float[] act = swiglu(apply(LinearRole.GATE, hn, tokens), apply(LinearRole.UP, hn, tokens));
            observer.onGroupInput(GroupRole.DOWN, act, tokens);
            float[] down = apply(LinearRole.DOWN, act, tokens);
            for (int i = 0; i < h.length; i++) {
                h[i] += down[i];
            }
            return h;
        }

        @Override
        public BlockStage beginStage(float[] x, int tokens) {
            return new BlockStage(GroupRole.QKV, x, rmsNorm(x, tokens, dims.hidden(), norms.get(NormRole.ATTENTION)), tokens);
        }

        @Override
        public BlockStage advance(BlockStage stage) {
            int t = stage.tokens();
            float[] in = stage.groupInput();
            return switch (stage.next()) {
                case QKV -> new BlockStage(GroupRole.O, stage.residual(), attention(apply(LinearRole.Q, in, t),
                        apply(LinearRole.K, in, t), apply(LinearRole.V, in, t), t), t);
                case O -> {
                    float[] h = plus(stage.residual(), apply(LinearRole.O, in, t));
                    yield new BlockStage(GroupRole.GATE_UP, h, rmsNorm(h, t, dims.hidden(), norms.get(NormRole.FFN)), t);
                }
                case GATE_UP -> new BlockStage(GroupRole.DOWN, stage.residual(),
                        swiglu(apply(LinearRole.GATE, in, t), apply(LinearRole.UP, in, t)), t);
                case DOWN -> new BlockStage(null, plus(stage.residual(), apply(LinearRole.DOWN, in, t)), null, t);
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
        public float[] subLayerForward(GroupRole role, float[] x, int tokens) {
            return switch (role) {
                case QKV -> apply(LinearRole.O, attention(apply(LinearRole.Q, x, tokens), apply(LinearRole.K, x, tokens),
                        apply(LinearRole.V, x, tokens), tokens), tokens);
                case O -> apply(LinearRole.O, x, tokens);
                case GATE_UP -> apply(LinearRole.DOWN, swiglu(apply(LinearRole.GATE, x, tokens), apply(LinearRole.UP, x, tokens)), tokens);
                case DOWN -> apply(LinearRole.DOWN, x, tokens);
            };
        }
    }
}
