package io.github.dllmquant.methods.analysis;

import io.github.dllmquant.core.spi.GroupRole;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Outlier statistics of one linear group's input in one block, accumulated over calibration
 * sequences: per-channel {@code max|x|} ("normal" outliers sit in a few channels on every token),
 * per-token {@code max|x|} ("massive" outliers sit on a few tokens), and the kurtosis of all values.
 *
 * <p>Mutable while accumulating ({@link #add}); not thread-safe.
 */
public final class GroupActivationStats {

    private final int block;
    private final GroupRole group;
    private final float[] channelMax;
    private double sum;
    private double sumSq;
    private double sum3;
    private double sum4;
    private long count;
    private float[] tokenMax = new float[0];
    private int tokenCount;

    /**
     * @param block    block index
     * @param group    group whose input this is
     * @param channels input width
     */
    public GroupActivationStats(int block, GroupRole group, int channels) {
        this.block = block;
        this.group = group;
        this.channelMax = new float[channels];
    }

    /** Adds one sequence's input {@code [tokens, channels]}. */
    public void add(float[] x, int tokens) {
        int channels = channelMax.length;
        if (x.length < (long) tokens * channels) {
            throw new IllegalArgumentException("input has " + x.length + " values, expected tokens*channels = "
                    + tokens + "*" + channels);
        }
        if (tokenMax.length < tokenCount + tokens) {
            tokenMax = Arrays.copyOf(tokenMax, Math.max(tokenCount + tokens, 2 * tokenMax.length));
        }
        for (int t = 0; t < tokens; t++) {
            float rowMax = 0f;
            for (int c = 0; c < channels; c++) {
                float v = x[t * channels + c];
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("non-finite activation " + v + " at block " + block + ", "
                            + group + " input, token " + t + ", channel " + c);
                }
                float a = Math.abs(v);
                if (a > channelMax[c]) {
                    channelMax[c] = a;
                }
                if (a > rowMax) {
                    rowMax = a;
                }
                double d = v;
                sum += d;
                sumSq += d * d;
                sum3 += d * d * d;
                sum4 += d * d * d * d;
            }
            tokenMax[tokenCount++] = rowMax;
        }
        count += (long) tokens * channels;
    }

    /** Block index. */
    public int block() {
        return block;
    }

    /** The group whose input this is. */
    public GroupRole group() {
        return group;
    }

    /** A copy of the per-channel maxima of {@code |x|}. */
    public float[] channelMax() {
        return channelMax.clone();
    }

    /** Largest {@code |x|} seen. */
    public float maxAbs() {
        float m = 0f;
        for (float v : channelMax) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** Median of the per-channel maxima. */
    public float medianChannelMax() {
        return median(channelMax, channelMax.length);
    }

    /** {@code max / median} of the per-channel maxima: how far the strongest channel stands out. */
    public double channelOutlierRatio() {
        float median = medianChannelMax();
        return median == 0f ? 0.0 : maxAbs() / (double) median;
    }

    /** {@code max / median} of the per-token maxima: how far the strongest token stands out. */
    public double tokenOutlierRatio() {
        if (tokenCount == 0) {
            return 0.0;
        }
        float median = median(tokenMax, tokenCount);
        float max = 0f;
        for (int t = 0; t < tokenCount; t++) {
            max = Math.max(max, tokenMax[t]);
        }
        return median == 0f ? 0.0 : max / (double) median;
    }

    /** Kurtosis {@code E[(x−μ)⁴]/σ⁴} of all values (3 for a Gaussian; large with outliers). */
    public double kurtosis() {
        if (count == 0) {
            return Double.NaN;
        }
        double n = count;
        double mean = sum / n;
        double m2 = sumSq / n - mean * mean;
        double m4 = sum4 / n - 4 * mean * sum3 / n + 6 * mean * mean * sumSq / n - 3 * Math.pow(mean, 4);
        return m2 <= 0 ? Double.NaN : m4 / (m2 * m2);
    }

    /** The {@code k} channels with the largest maxima, strongest first (ties: lower index first). */
    public int[] topChannels(int k) {
        return IntStream.range(0, channelMax.length).boxed()
                .sorted((a, b) -> channelMax[a] != channelMax[b]
                        ? Float.compare(channelMax[b], channelMax[a]) : Integer.compare(a, b))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static float median(float[] values, int n) {
        if (n == 0) {
            return 0f;
        }
        float[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : 0.5f * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
