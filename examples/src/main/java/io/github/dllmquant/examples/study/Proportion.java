package io.github.dllmquant.examples.study;

/**
 * An exact-match accuracy with its 95% Wilson score interval.
 *
 * @param correct successes
 * @param total   trials, at least 1
 */
public record Proportion(int correct, int total) {

    private static final double Z95 = 1.959963984540054;

    public Proportion {
        if (total < 1 || correct < 0 || correct > total) {
            throw new IllegalArgumentException("need 0 <= correct <= total, total >= 1: " + correct + "/" + total);
        }
    }

    /** The point estimate {@code correct/total}. */
    public double rate() {
        return (double) correct / total;
    }

    /** Lower end of the 95% Wilson interval. */
    public double low() {
        return wilson(-1);
    }

    /** Upper end of the 95% Wilson interval. */
    public double high() {
        return wilson(+1);
    }

    /** Whether this rate is above {@code other}'s beyond both intervals (the intervals do not overlap). */
    public boolean clearlyAbove(Proportion other) {
        return low() > other.high();
    }

    private double wilson(int sign) {
        double n = total;
        double p = rate();
        double z2 = Z95 * Z95;
        double centre = p + z2 / (2 * n);
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (centre + sign * half) / (1 + z2 / n);
    }

    /** {@code "43.0% [38.7, 47.4]"}. */
    @Override
    public String toString() {
        return String.format("%.1f%% [%.1f, %.1f]", 100 * rate(), 100 * low(), 100 * high());
    }
}
