package io.github.dllmquant.runtime.likelihood;

/**
 * A sum of masked-token cross-entropies.
 *
 * @param nllSum      {@code Σ −log softmax(logits_i)[x_i]} over the masked positions, in nats
 * @param maskedCount number of masked positions scored
 */
public record NllResult(double nllSum, long maskedCount) {

    public NllResult {
        if (maskedCount < 0 || Double.isNaN(nllSum)) {
            throw new IllegalArgumentException("invalid NLL result: sum=" + nllSum + ", count=" + maskedCount);
        }
    }

    /** The empty sum. */
    public static final NllResult ZERO = new NllResult(0, 0);

    /** Mean cross-entropy per masked token (NaN when nothing was masked). */
    public double mean() {
        return maskedCount == 0 ? Double.NaN : nllSum / maskedCount;
    }

    /** This sum plus another. */
    public NllResult plus(NllResult other) {
        return new NllResult(nllSum + other.nllSum, maskedCount + other.maskedCount);
    }
}
