package io.github.dllmquant.runtime.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Random operands of one cached-pass attention call, shared by the attention tests: {@code rows} fresh query rows
 * at {@code from} against a cache of {@code keys} transposed K/V entries, with the fresh rows' own keys and values.
 */
record CachedPassCase(int rows, int keys, int from, int heads, int kvHeads, int headDim,
                      float[] q, float[][] kT, float[][] vT, float[] freshK, float[] freshV) {

    /** Shapes: rows, keys, from, heads, kvHeads, headDim (a tiny-llada block, one row, odd sizes, GQA at 0). */
    private static final int[][] SHAPES = {
            {32, 320, 64, 8, 8, 32}, {1, 9, 8, 4, 2, 16}, {5, 47, 20, 2, 2, 64}, {17, 100, 0, 8, 4, 32}};

    /** The standard shapes with operands drawn from one seeded stream, in a fixed order. */
    static List<CachedPassCase> standard(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<CachedPassCase> cases = new ArrayList<>();
        for (int[] s : SHAPES) {
            int rows = s[0], keys = s[1], kvWidth = s[4] * s[5];
            float[] q = uniform(random, rows * s[3] * s[5], 2f);
            float[][] kT = Attention.transposeHeads(uniform(random, keys * kvWidth, 2f), keys, s[4], s[5]);
            float[][] vT = Attention.transposeHeads(uniform(random, keys * kvWidth, 1f), keys, s[4], s[5]);
            float[] freshK = uniform(random, rows * kvWidth, 2f);
            float[] freshV = uniform(random, rows * kvWidth, 1f);
            cases.add(new CachedPassCase(rows, keys, s[2], s[3], s[4], s[5], q, kT, vT, freshK, freshV));
        }
        return cases;
    }

    /** An attention call of fresh rows against the cache: {@code Attention.attend} or {@code attendRows}. */
    interface FreshRowsAttention {
        void attend(float[] q, int rows, float[][] kT, float[][] vT, int keys, float[] freshK, float[] freshV,
                    int from, int fresh, int heads, int kvHeads, int headDim, float[] out);
    }

    /** An attention kernel over whole transposed K/V arrays: {@code LaneAttention} or {@code RowAttention}. */
    interface WholeCacheAttention {
        void attend(float[] q, int rows, float[][] kT, float[][] vT, int keys, int heads, int kvHeads, int headDim,
                    float[] out);
    }

    /**
     * Asserts that {@code underTest} gives exactly {@code kernel}'s bits on a merged copy of the cache (fresh
     * rows written over the stale ones), leaves the cache's arrays as they were, and stays within
     * {@code relative} of the per-query reference loop.
     */
    void assertEqualsKernelOnMergedCopy(FreshRowsAttention underTest, WholeCacheAttention kernel, float relative) {
        float[][] kBefore = Arrays.stream(kT).map(float[]::clone).toArray(float[][]::new);
        float[][] vBefore = Arrays.stream(vT).map(float[]::clone).toArray(float[][]::new);
        float[] actual = new float[rows * heads * headDim];
        underTest.attend(q, rows, kT, vT, keys, freshK, freshV, from, rows, heads, kvHeads, headDim, actual);
        float[] merged = new float[actual.length];
        kernel.attend(q, rows, Attention.merge(kT, freshK, from, rows, keys, kvHeads, headDim),
                Attention.merge(vT, freshV, from, rows, keys, kvHeads, headDim), keys, heads, kvHeads, headDim, merged);
        assertThat(actual).as("%s", this).containsExactly(merged);
        for (int g = 0; g < kvHeads; g++) {
            assertThat(kT[g]).as("keys of kv head %d as before, %s", g, this).containsExactly(kBefore[g]);
            assertThat(vT[g]).as("values of kv head %d as before, %s", g, this).containsExactly(vBefore[g]);
        }
        float[] reference = new float[actual.length];
        Attention.perQuery(q, rows, kT, vT, keys, freshK, freshV, from, rows, heads, kvHeads, headDim, reference);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d of %s", i, this)
                    .isCloseTo(reference[i], within(relative * (1 + Math.abs(reference[i]))));
        }
    }

    /** Values uniform in [-spread, spread). */
    static float[] uniform(SplittableRandom random, int n, float spread) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((random.nextDouble() * 2 - 1) * spread);
        }
        return x;
    }

    @Override
    public String toString() {
        return String.format("rows %d, keys %d, from %d, heads %d/%d, headDim %d", rows, keys, from, heads, kvHeads,
                headDim);
    }
}
