package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * {@link LaneAttention} (one query per vector lane) must give the same bits as the per-query reference loop
 * of {@link Attention} on the Panama kernels, for key counts below, at and between whole vectors (the
 * kernels' scalar tails), query counts that leave lanes unused, grouped-query heads and large scores.
 */
class LaneAttentionTest {

    @Test
    void sameBitsAsThePerQueryLoop() {
        assumeThat(KernelProvider.panama()).as("the lane path runs on the Panama kernels only").isTrue();
        SplittableRandom random = new SplittableRandom(42);
        int[][] shapes = { // queries, keys, heads, kvHeads, headDim
                {1, 1, 2, 2, 8}, {7, 5, 4, 4, 32}, {15, 15, 8, 8, 32}, {16, 16, 8, 8, 32}, {17, 17, 8, 2, 32},
                {31, 31, 4, 4, 32}, {33, 64, 8, 8, 32}, {40, 65, 8, 4, 64}, {128, 128, 8, 8, 32},
                {130, 130, 2, 1, 16}, {9, 200, 4, 4, 32}, {3, 47, 2, 2, 128}};
        for (int[] shape : shapes) {
            for (float spread : new float[]{0.5f, 4f}) {
                int queries = shape[0];
                int keys = shape[1];
                int heads = shape[2];
                int kvHeads = shape[3];
                int headDim = shape[4];
                float[] q = CachedPassCase.uniform(random, queries * heads * headDim, spread);
                float[] k = CachedPassCase.uniform(random, keys * kvHeads * headDim, spread);
                float[] v = CachedPassCase.uniform(random, keys * kvHeads * headDim, 1f);
                float[][] kT = Attention.transposeHeads(k, keys, kvHeads, headDim);
                float[][] vT = Attention.transposeHeads(v, keys, kvHeads, headDim);
                float[] expected = new float[queries * heads * headDim];
                Attention.perQuery(q, queries, kT, vT, keys, null, null, 0, 0, heads, kvHeads, headDim, expected);
                float[] actual = new float[expected.length];
                LaneAttention.attend(q, queries, kT, vT, keys, heads, kvHeads, headDim, actual);
                assertThat(actual).as("queries %d, keys %d, heads %d/%d, headDim %d, spread %s", queries, keys,
                        heads, kvHeads, headDim, spread).containsExactly(expected);
                float[] viaAttend = new float[expected.length];
                Attention.attend(q, queries, k, v, keys, heads, kvHeads, headDim, viaAttend);
                assertThat(viaAttend).containsExactly(expected);
            }
        }
    }
}
