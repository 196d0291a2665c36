package io.github.dllmquant.runtime.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cached pass writes its fresh rows into the cache's arrays for the duration of each layer's attention and
 * puts the stale entries back: the cache must look unchanged after every call, also to calls from several
 * threads on one cache (which {@link KvCache} serialises).
 */
class KvCacheSharingTest {

    private static DiffusionLm llada;

    @BeforeAll
    static void load() throws IOException {
        llada = DiffusionLm.load(Path.of("../examples/models/tiny-llada"));
    }

    @AfterAll
    static void close() {
        llada.close();
    }

    @Test
    void passesLeaveTheCacheUnchangedAlsoWhenThreadsShareIt() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        int[] ids = new int[48];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(llada.config().vocabSize());
        }
        int mask = llada.config().maskTokenId();
        Arrays.fill(ids, 16, 48, mask);
        KvCache cache = llada.startCache(ids);
        // changed tokens inside the recomputed rows: their fresh K/V differ from the cached ones
        int[] changedA = ids.clone();
        changedA[17] = 7;
        changedA[20] = 9;
        int[] changedB = ids.clone();
        changedB[30] = 11;
        int[][] ranges = {{16, 24}, {24, 40}, {0, 48}, {16, 48}};
        List<float[]> expected = new ArrayList<>();
        for (int[] range : ranges) {
            expected.add(cache.logits(changedA, range[0], range[1]));
            expected.add(cache.logits(changedB, range[0], range[1]));
        }
        float[] refreshed = cache.refreshRows(changedA, 24).logits();
        // the same calls again, now from four threads at once on the one cache
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 6; round++) {
                        int i = (round + offset) % ranges.length;
                        int[] range = ranges[i];
                        if (!Arrays.equals(cache.logits(changedA, range[0], range[1]), expected.get(2 * i))
                                || !Arrays.equals(cache.logits(changedB, range[0], range[1]), expected.get(2 * i + 1))
                                || !Arrays.equals(cache.refreshRows(changedA, 24).logits(), refreshed)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).as("every call from every thread gives the serial result").isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        // and a cache used that way still gives the full forward's rows of its own sequence
        assertThat(cache.logits()).containsExactly(llada.logits(ids));
        assertThat(cache.logits(ids, 16, 24)).containsExactly(expectedUnchanged(ids));
    }

    /** Rows 16..24 of a fresh cache of {@code ids}, which no other call has touched. */
    private static float[] expectedUnchanged(int[] ids) {
        return llada.startCache(ids).logits(ids, 16, 24);
    }
}
