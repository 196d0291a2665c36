package io.github.dllmquant.examples.study;

/**
 * The measured results of one cell of the study grid.
 *
 * @param method        {@code fp}, {@code rtn}, {@code gptq}, {@code awq}, {@code smoothquant}, {@code quarot},
 *                      {@code duquant}, or a decoding variant such as {@code fp+fast}
 * @param scheme        {@code fp}, {@code w4a16}, {@code w8a8}, ...
 * @param calibration   {@code none} (plain text), {@code mixed} (masked like diffusion steps) or {@code -}
 * @param nll           masked NLL (nats) at each of the study's mask ratios, same order
 * @param math          exact match on the math family
 * @param code          exact match on the code family
 * @param bytes         bytes of the model's parameters as executed
 * @param quantSeconds  wall time of quantization (0 for FP)
 * @param tokensPerSecond generated tokens per second on the real kernels
 */
public record StudyCell(String method, String scheme, String calibration, double[] nll, Proportion math,
                        Proportion code, long bytes, double quantSeconds, double tokensPerSecond) {

    public StudyCell {
        nll = nll.clone();
    }

    /** A short label, e.g. {@code gptq w4a16 (mixed)}. */
    public String label() {
        return "fp".equals(method) ? "fp" : method + " " + scheme + ("-".equals(calibration) ? "" : " (" + calibration + ")");
    }

    /** Mean masked NLL over the ratios. */
    public double meanNll() {
        double s = 0;
        for (double v : nll) {
            s += v;
        }
        return s / nll.length;
    }

    /** Relative increase of the mean NLL over {@code fp}'s, e.g. 0.04 for +4%. */
    public double nllIncreaseOver(StudyCell fp) {
        return meanNll() / fp.meanNll() - 1;
    }
}
