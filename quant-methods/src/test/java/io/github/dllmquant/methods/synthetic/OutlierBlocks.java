package io.github.dllmquant.methods.synthetic;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.methods.QuantizationMethod;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Block-level fixtures with planted activation outliers, and the error measure the tests share. */
public final class OutlierBlocks {

    /** Residual channels that are 50-100x larger than the rest. */
    public static final int[] OUTLIER_CHANNELS = {3, 77, 200};

    private OutlierBlocks() {
    }

    /** A tiny-llada shaped block (d 256, 8 heads of 32, MLP 768) with planted FFN outlier features. */
    public static SyntheticBlock block(long seed) {
        return new SyntheticBlock(0, 256, 8, 8, 32, 768, false, new int[] {5, 400}, OUTLIER_CHANNELS, seed);
    }

    /** {@code count} Gaussian sequences {@code [tokens, 256]} with the outlier channels scaled by 50..100. */
    public static List<float[]> inputs(int count, int tokens, long seed) {
        Random r = new Random(seed);
        List<float[]> xs = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            float[] x = new float[tokens * 256];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int t = 0; t < tokens; t++) {
                for (int k = 0; k < OUTLIER_CHANNELS.length; k++) {
                    x[t * 256 + OUTLIER_CHANNELS[k]] *= 50f + 25f * k;
                }
            }
            xs.add(x);
        }
        return xs;
    }

    /** Block outputs for every input. */
    public static List<float[]> outputs(SyntheticBlock b, List<float[]> inputs, int tokens) {
        List<float[]> ys = new ArrayList<>();
        for (float[] x : inputs) {
            ys.add(b.forward(x, tokens, ActivationObserver.NONE));
        }
        return ys;
    }

    /**
     * Relative error of the block's contribution {@code y − x} (the residual passes through unchanged and would
     * hide every difference), over all sequences: {@code ‖(y − x) − (y_ref − x)‖ / ‖y_ref − x‖}.
     */
    public static double deltaError(List<float[]> inputs, List<float[]> got, List<float[]> ref) {
        double num = 0;
        double den = 0;
        for (int s = 0; s < inputs.size(); s++) {
            float[] x = inputs.get(s);
            for (int i = 0; i < x.length; i++) {
                double d = got.get(s)[i] - ref.get(s)[i];
                double r = ref.get(s)[i] - x[i];
                num += d * d;
                den += r * r;
            }
        }
        return Math.sqrt(num / den);
    }

    /** Quantizes a fresh block with {@code method} and returns its output error against the FP block. */
    public static double errorOf(QuantizationMethod method, long seed, List<float[]> inputs, int tokens) {
        SyntheticBlock fp = block(seed);
        List<float[]> ref = outputs(fp, inputs, tokens);
        SyntheticBlock b = block(seed);
        method.quantizeBlock(b, inputs, tokens, ProgressListener.NONE);
        return deltaError(inputs, outputs(b, inputs, tokens), ref);
    }
}
