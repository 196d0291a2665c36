package io.github.dllmquant.runtime.model;

import io.github.dllmquant.runtime.sampling.CachedLogits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A cache computes the last layer after its keys and values and the LM head only for the rows read: each such
 * row must have exactly the bits of the same row when every row is computed (the building pass's
 * {@link KvCache#logits()}, a refresh's rows, a cached pass's rows), and the samplers' default methods of
 * {@link CachedLogits} must pick the same rows out of the whole arrays.
 */
class KvCacheRowsTest {

    private static DiffusionLm llada;
    private static DiffusionLm dream;

    @BeforeAll
    static void load() throws IOException {
        llada = DiffusionLm.load(Path.of("../examples/models/tiny-llada"));
        dream = DiffusionLm.load(Path.of("../examples/models/tiny-dream"));
    }

    @AfterAll
    static void close() {
        llada.close();
        dream.close();
    }

    private static int[] sequence(DiffusionLm model, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[40];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(model.config().vocabSize() - 8);
        }
        Arrays.fill(ids, 20, 40, model.config().maskTokenId());
        ids[5] = model.config().maskTokenId();
        return ids;
    }

    private static float[] rowsOf(float[] all, int first, int[] positions, int vocab) {
        float[] out = new float[positions.length * vocab];
        for (int i = 0; i < positions.length; i++) {
            System.arraycopy(all, (positions[i] - first) * vocab, out, i * vocab, vocab);
        }
        return out;
    }

    @Test
    void pickedRowsHaveTheBitsOfTheWholePass() {
        for (DiffusionLm model : new DiffusionLm[] {llada, dream}) {
            int vocab = model.vocabSize();
            int[] ids = sequence(model, 3);
            float[] full = model.logits(ids);
            // the building pass: rows asked for before and after all rows were computed
            KvCache cache = model.startCache(ids);
            int[] picked = {5, 21, 20, 39, 0};
            assertThat(cache.logitsOfRows(40, picked)).containsExactly(rowsOf(full, 0, picked, vocab));
            assertThat(cache.logits()).containsExactly(full);
            assertThat(cache.logitsOfRows(40, picked)).containsExactly(rowsOf(full, 0, picked, vocab));
            // a cached pass: positions of the recomputed range only
            int[] changed = ids.clone();
            changed[21] = 7;
            changed[3] = 9; // outside the rows: read through its stale cached K/V
            float[] range = cache.logits(changed, 20, 28);
            int[] inRange = {27, 20, 22};
            assertThat(cache.logits(changed, 20, 28, inRange)).containsExactly(rowsOf(range, 20, inRange, vocab));
            assertThat(cache.logits(changed, 20, 28, new int[0])).isEmpty();
            assertThat(cache.logitsOfRows(40, new int[0])).isEmpty();
            // a partial refresh: its rows [0, 28) on demand, some first, then all
            KvCache refreshed = cache.refreshRows(changed, 28);
            float[] refreshRows = cache.refreshRows(changed, 28).logits();
            assertThat(refreshRows).containsExactly(cache.logits(changed, 0, 28));
            int[] early = {5, 27, 24};
            assertThat(refreshed.logitsOfRows(28, early)).containsExactly(rowsOf(refreshRows, 0, early, vocab));
            assertThat(refreshed.logits()).containsExactly(refreshRows);
            // the refreshed cache's own passes read the fresh K/V of rows [0, 28)
            assertThat(refreshed.logits(changed, 20, 28, inRange))
                    .containsExactly(rowsOf(refreshed.logits(changed, 20, 28), 20, inRange, vocab));

            assertThatThrownBy(() -> cache.logitsOfRows(28, picked)).hasMessageContaining("40 rows, not 28");
            assertThatThrownBy(() -> refreshed.logitsOfRows(28, new int[] {28})).hasMessageContaining("position 28");
            assertThatThrownBy(() -> cache.logits(changed, 20, 28, new int[] {19})).hasMessageContaining("position 19");
        }
    }

    @Test
    void theDefaultMethodsPickRowsOfTheWholeArrays() {
        int[] ids = sequence(llada, 4);
        KvCache real = llada.startCache(ids);
        CachedLogits plain = new CachedLogits() { // only the two required methods: the defaults do the rest
            @Override
            public float[] logits() {
                return real.logits();
            }

            @Override
            public float[] logits(int[] rows, int from, int to) {
                return real.logits(rows, from, to);
            }
        };
        int vocab = llada.vocabSize();
        int[] picked = {39, 5, 20};
        assertThat(plain.logitsOfRows(40, picked)).containsExactly(real.logitsOfRows(40, picked));
        int[] inRange = {21, 20};
        assertThat(plain.logits(ids, 20, 24, inRange)).containsExactly(real.logits(ids, 20, 24, inRange));
        assertThat(plain.logits(ids, 20, 24, inRange)).containsExactly(rowsOf(real.logits(ids, 20, 24), 20, inRange, vocab));
        assertThatThrownBy(() -> plain.logitsOfRows(7, picked)).hasMessageContaining("do not split into 7 rows");
        assertThatThrownBy(() -> plain.logits(ids, 20, 24, new int[] {24})).hasMessageContaining("position 24");
    }
}
