package io.github.dllmquant.runtime.sampling;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/** Row operations shared by the samplers; a row is {@code vocab} floats starting at {@code off}. */
final class SamplingMath {

    /** The algorithm of every sampler's random source: fast, splittable-quality, repeatable by seed. */
    static final String RANDOM_ALGORITHM = "L64X128MixRandom";

    private SamplingMath() {
    }

    /** A repeatable random source for one generation. */
    static RandomGenerator random(long seed) {
        return RandomGeneratorFactory.of(RANDOM_ALGORITHM).create(seed);
    }

    /** The configured seed, or a fresh one. */
    static long seedOrFresh(java.util.OptionalLong seed) {
        return seed.isPresent() ? seed.getAsLong() : ThreadLocalRandom.current().nextLong();
    }

    /** Index of the largest logit; the lowest index wins ties (as torch.argmax). */
    static int argmax(float[] logits, int off, int vocab) {
        int best = 0;
        float bestValue = logits[off];
        for (int v = 1; v < vocab; v++) {
            if (logits[off + v] > bestValue) {
                bestValue = logits[off + v];
                best = v;
            }
        }
        return best;
    }

    /** {@code softmax(row)[index]} computed in double. */
    static double softmaxAt(float[] logits, int off, int vocab, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[off + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[off + v] - max);
        }
        return Math.exp(logits[off + index] - max) / sum;
    }

    /**
     * LLaDA's {@code argmax(add_gumbel_noise(logits, τ))} in double: {@code argmax exp(l_v) / (−log u_v)^τ}
     * with one uniform {@code u_v} in [0, 1) per vocabulary entry, drawn in vocabulary order.
     */
    static int gumbelArgmax(float[] logits, int off, int vocab, double temperature, RandomGenerator random) {
        int best = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            double u = random.nextDouble();
            double noisy = Math.exp(logits[off + v]) / Math.pow(-Math.log(u), temperature);
            if (best < 0 || noisy > bestValue) {
                bestValue = noisy;
                best = v;
            }
        }
        return best;
    }

    /**
     * Indices of the {@code k} largest values, largest first; equal values keep the lower index first
     * (a stable top-k). {@code -Infinity} entries are never chosen before finite ones.
     */
    static int[] topK(double[] values, int k) {
        if (k < 0 || k > values.length) {
            throw new IllegalArgumentException("k must be in 0.." + values.length + ", got " + k);
        }
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Arrays.sort on objects is stable, so ties stay in index order
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        int[] result = new int[k];
        for (int i = 0; i < k; i++) {
            result[i] = order[i];
        }
        return result;
    }

    /** The values sorted from highest to lowest (a new array). */
    static double[] descending(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int i = 0, j = sorted.length - 1; i < j; i++, j--) {
            double t = sorted[i];
            sorted[i] = sorted[j];
            sorted[j] = t;
        }
        return sorted;
    }
}
