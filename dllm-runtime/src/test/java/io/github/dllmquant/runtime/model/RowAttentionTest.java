package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * {@link RowAttention} (the cached passes' attention, vectorised along the keys) against the per-query reference
 * loop of {@link Attention}: within float rounding for key counts below, at and between whole vectors (the
 * masked last vector), query counts that leave a tile part-filled, head sizes that are not a multiple of the
 * 4-dimension tile, grouped-query heads and large scores; a row's bits must not depend on the rows computed
 * with it; and {@link Attention#attendRows} with fresh rows must equal the attention of a merged copy while
 * leaving the cache's arrays as they were.
 */
class RowAttentionTest {

    @Test
    void matchesThePerQueryLoopAndKeepsEachRowsBits() {
        assumeThat(KernelProvider.panama()).as("the row path runs on the Panama kernels only").isTrue();
        SplittableRandom random = new SplittableRandom(5);
        int[][] shapes = { // queries, keys, heads, kvHeads, headDim
                {1, 1, 2, 2, 8}, {7, 5, 4, 4, 32}, {4, 16, 8, 8, 32}, {5, 17, 8, 2, 32}, {32, 320, 8, 8, 32},
                {3, 47, 2, 2, 128}, {9, 200, 4, 4, 30}, {33, 64, 8, 8, 6}, {16, 130, 2, 1, 16}, {2, 3, 1, 1, 3}};
        for (int[] shape : shapes) {
            for (float spread : new float[]{0.5f, 6f}) {
                int queries = shape[0];
                int keys = shape[1];
                int heads = shape[2];
                int kvHeads = shape[3];
                int headDim = shape[4];
                float[] q = CachedPassCase.uniform(random, queries * heads * headDim, spread);
                float[][] kT = Attention.transposeHeads(CachedPassCase.uniform(random, keys * kvHeads * headDim, spread), keys, kvHeads, headDim);
                float[][] vT = Attention.transposeHeads(CachedPassCase.uniform(random, keys * kvHeads * headDim, 1f), keys, kvHeads, headDim);
                float[] expected = new float[queries * heads * headDim];
                Attention.perQuery(q, queries, kT, vT, keys, null, null, 0, 0, heads, kvHeads, headDim, expected);
                float[] actual = new float[expected.length];
                RowAttention.attend(q, queries, kT, vT, keys, heads, kvHeads, headDim, actual);
                String what = String.format("queries %d, keys %d, heads %d/%d, headDim %d, spread %s", queries, keys,
                        heads, kvHeads, headDim, spread);
                for (int i = 0; i < actual.length; i++) {
                    assertThat(actual[i]).as("%s, element %d", what, i)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-5f * (1 + Math.abs(expected[i]))));
                }
                // each row alone (a tile of one query) has the bits it had among all rows
                int width = heads * headDim;
                for (int t = 0; t < queries; t += Math.max(1, queries / 3)) {
                    float[] one = new float[width];
                    RowAttention.attend(Arrays.copyOfRange(q, t * width, (t + 1) * width), 1, kT, vT, keys, heads,
                            kvHeads, headDim, one);
                    assertThat(one).as("%s, row %d alone", what, t)
                            .containsExactly(Arrays.copyOfRange(actual, t * width, (t + 1) * width));
                }
            }
        }
    }

    @Test
    void freshRowsAreWrittenInForTheCallOnly() {
        assumeThat(KernelProvider.panama()).as("the row path runs on the Panama kernels only").isTrue();
        for (CachedPassCase c : CachedPassCase.standard(8)) {
            c.assertEqualsKernelOnMergedCopy(Attention::attendRows, RowAttention::attend, 2e-5f);
        }
    }
}
