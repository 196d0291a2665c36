package io.github.dllmquant.methods.synthetic;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.ModelDims;
import io.github.dllmquant.core.spi.QuantizableModel;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.core.progress.ProgressListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The tests-only model over {@link SyntheticBlock}s, with embeddings, final norm and head, in two flavours of
 * planted activation outliers: in the embeddings, read quietly by the weights (the constructor: the rotation and
 * smoothing tests), or in the norm gains ({@link #withNormGainOutliers}: the calibrator and GPTQ tests).
 */
public final class SyntheticModel implements QuantizableModel {

    private final ModelDims dims;
    private final List<SyntheticBlock> blocks = new ArrayList<>();
    private float[] embeddings;
    private float[] finalNorm;
    private Linear lmHead;

    private SyntheticModel(ModelDims dims) {
        this.dims = dims;
    }

    /**
     * @param outlierChannels residual channels whose embedding values are multiplied by {@code outlierScale}
     * @param quiet           whether the linears and the head read the outlier channels through weights scaled
     *                        by 1/50 (see {@link SyntheticBlock})
     */
    public SyntheticModel(int hidden, int heads, int kvHeads, int headDim, int ff, int vocab, int layers,
                          boolean qkvBias, int[] outlierChannels, float outlierScale, boolean quiet, long seed) {
        this.dims = new ModelDims(hidden, heads, kvHeads, headDim, ff, vocab, vocab - 1, 1e-5);
        Random r = new Random(seed);
        embeddings = new float[vocab * hidden];
        for (int i = 0; i < embeddings.length; i++) {
            embeddings[i] = (float) r.nextGaussian();
        }
        for (int v = 0; v < vocab; v++) {
            for (int c : outlierChannels) {
                embeddings[v * hidden + c] *= outlierScale;
            }
        }
        for (int l = 0; l < layers; l++) {
            blocks.add(new SyntheticBlock(l, hidden, heads, kvHeads, headDim, ff, qkvBias, new int[] {1, ff / 2}, quiet ? outlierChannels : null,
                    seed * 31 + l));
        }
        finalNorm = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            finalNorm[i] = 0.5f + r.nextFloat();
        }
        float[] head = new float[vocab * hidden];
        for (int i = 0; i < head.length; i++) {
            head[i] = (float) (r.nextGaussian() / Math.sqrt(hidden));
        }
        for (int v = 0; v < vocab && quiet; v++) {
            for (int c : outlierChannels) {
                head[v * hidden + c] /= 50f; // the head reads outlier channels weakly, as q/k/v/gate/up do
            }
        }
        lmHead = DenseLinear.of(head, null, vocab, hidden);
    }

    /**
     * A model whose outliers come from the norm gains: Gaussian embeddings and head (head standard deviation
     * 1/√hidden), unit final norm, blocks of {@link SyntheticBlock#withNormGainOutliers}, all drawn from one
     * {@code Random(seed)}; head width {@code hidden / heads}.
     *
     * @param outliers whether to plant large channels in the norm gains
     */
    public static SyntheticModel withNormGainOutliers(int hidden, int heads, int kvHeads, int intermediate, int vocab,
                                                      int layers, boolean outliers, long seed) {
        Random r = new Random(seed);
        SyntheticModel m = new SyntheticModel(
                new ModelDims(hidden, heads, kvHeads, hidden / heads, intermediate, vocab, vocab - 1, 1e-5));
        m.embeddings = gaussian(r, vocab * hidden, 1f);
        for (int i = 0; i < layers; i++) {
            m.blocks.add(SyntheticBlock.withNormGainOutliers(i, m.dims, r, outliers));
        }
        m.finalNorm = new float[hidden];
        Arrays.fill(m.finalNorm, 1f);
        m.lmHead = DenseLinear.of(gaussian(r, vocab * hidden, 1f / (float) Math.sqrt(hidden)), null, vocab, hidden);
        return m;
    }

    /** {@code n} Gaussian values times {@code sigma}, rounded to float before the product (the tests' random data). */
    public static float[] gaussian(Random r, int n, float sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * sigma;
        }
        return x;
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
    public SyntheticBlock block(int i) {
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
    public void setLmHead(Linear lmHead) {
        this.lmHead = lmHead;
    }

    /** The final hidden states {@code [ids.length, hidden]}, before the final norm. */
    public float[] hidden(int[] ids) {
        float[] x = embed(ids);
        for (SyntheticBlock b : blocks) {
            x = b.forward(x, ids.length, ActivationObserver.NONE);
        }
        return x;
    }

    /** Logits {@code [ids.length, vocab]}. */
    public float[] logits(int[] ids) {
        int t = ids.length;
        float[] h = SyntheticBlock.rmsNorm(hidden(ids), t, dims.hidden(), finalNorm, dims.rmsEps());
        float[] y = new float[t * dims.vocab()];
        lmHead.forward(h, t, y);
        return y;
    }

    /** Random token sequences. */
    public static List<int[]> sequences(int count, int tokens, int vocab, long seed) {
        Random r = new Random(seed);
        List<int[]> s = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] ids = new int[tokens];
            for (int t = 0; t < tokens; t++) {
                ids[t] = r.nextInt(vocab);
            }
            s.add(ids);
        }
        return s;
    }

    /**
     * The sequential calibration loop of ptq-methods.md §3 in its simplest form: prepare, then per block
     * quantize on the captured inputs and feed the block's (quantized) outputs to the next block.
     */
    public void quantize(QuantizationMethod method, List<int[]> calibration) {
        method.prepareModel(this, ProgressListener.NONE);
        int tokens = calibration.get(0).length;
        List<float[]> inputs = new ArrayList<>();
        for (int[] ids : calibration) {
            inputs.add(embed(ids));
        }
        for (SyntheticBlock b : blocks) {
            List<float[]> fp = new ArrayList<>();
            for (float[] x : inputs) {
                fp.add(b.forward(x, tokens, ActivationObserver.NONE));
            }
            method.quantizeBlock(b, inputs, tokens, ProgressListener.NONE);
            List<float[]> next = new ArrayList<>();
            for (float[] x : inputs) {
                next.add(b.forward(x, tokens, ActivationObserver.NONE));
            }
            inputs = method.propagatesQuantizedOutputs() ? next : fp;
        }
    }

    /** ‖a − b‖ / ‖b‖. */
    public static double relativeError(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
