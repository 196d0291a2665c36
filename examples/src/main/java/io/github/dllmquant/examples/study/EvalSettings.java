package io.github.dllmquant.examples.study;

/**
 * What an evaluation measures.
 *
 * @param maskRatios  mask ratios of the NLL columns
 * @param nllWindows  at most this many held-out windows of 128 tokens per ratio
 * @param examples    at most this many examples per task family
 * @param genLength   generated positions per example (steps and block length equal it)
 * @param seed        seed of the NLL masks
 */
public record EvalSettings(double[] maskRatios, int nllWindows, int examples, int genLength, long seed) {

    /** The study's mask ratios. */
    public static final double[] RATIOS = {0.15, 0.5, 0.85};

    public EvalSettings {
        maskRatios = maskRatios.clone();
        if (maskRatios.length == 0) {
            throw new IllegalArgumentException("at least one mask ratio is needed");
        }
        for (double r : maskRatios) {
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("mask ratios must be in (0, 1], got " + r);
            }
        }
        if (nllWindows < 1 || examples < 1 || genLength < 1) {
            throw new IllegalArgumentException("nllWindows, examples and genLength must be positive: "
                    + nllWindows + ", " + examples + ", " + genLength);
        }
    }

    /** The full protocol: every held-out window, all 500 examples per family. */
    public static EvalSettings full() {
        return new EvalSettings(RATIOS, Integer.MAX_VALUE, 500, 8, 1234);
    }

    /** A quick look: 32 windows, 100 examples per family. */
    public static EvalSettings quick() {
        return new EvalSettings(RATIOS, 32, 100, 8, 1234);
    }

    @Override
    public double[] maskRatios() {
        return maskRatios.clone();
    }
}
