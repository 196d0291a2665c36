package io.github.dllmquant.core.concurrent;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThreadPoolTest {

    @Test
    void everyIndexRunsExactlyOnceOnSeveralThreads() {
        try (ThreadPool pool = ThreadPool.create(3, "test-worker-")) {
            for (int round = 0; round < 200; round++) {
                int n = 1 + round % 37;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.forRange(n, hits::incrementAndGet);
                for (int i = 0; i < n; i++) {
                    assertThat(hits.get(i)).as("round %d index %d", round, i).isEqualTo(1);
                }
            }
            ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
            pool.forRange(64, i -> {
                threads.put(Thread.currentThread().getName(), true);
                busy(200_000);
            });
            assertThat(threads.keySet()).anyMatch(name -> name.startsWith("test-worker-"));
        }
    }

    @Test
    void chunksCoverTheRangeWithoutOverlap() {
        try (ThreadPool pool = ThreadPool.create(2, "test-worker-")) {
            AtomicIntegerArray hits = new AtomicIntegerArray(103);
            pool.forChunks(103, 10, (from, to) -> {
                assertThat(to - from).isBetween(1, 10);
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 103; i++) {
                assertThat(hits.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void nestedAndConcurrentCallsCompleteInline() throws Exception {
        try (ThreadPool pool = ThreadPool.create(2, "test-worker-")) {
            AtomicIntegerArray hits = new AtomicIntegerArray(8 * 8);
            pool.forRange(8, i -> pool.forRange(8, j -> hits.incrementAndGet(i * 8 + j)));
            for (int i = 0; i < 64; i++) {
                assertThat(hits.get(i)).isEqualTo(1);
            }
            AtomicIntegerArray shared = new AtomicIntegerArray(4 * 500);
            List<Thread> callers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int base = c * 500;
                callers.add(Thread.ofPlatform().start(() -> {
                    for (int r = 0; r < 50; r++) {
                        int offset = base + r * 10;
                        pool.forRange(10, i -> shared.incrementAndGet(offset + i));
                    }
                }));
            }
            for (Thread t : callers) {
                t.join();
            }
            for (int i = 0; i < shared.length(); i++) {
                assertThat(shared.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void bodyExceptionIsRethrownToTheCaller() {
        try (ThreadPool pool = ThreadPool.create(2, "test-worker-")) {
            assertThatThrownBy(() -> pool.forRange(16, i -> {
                if (i == 11) {
                    throw new IllegalStateException("item 11 failed");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("item 11 failed");
            AtomicIntegerArray hits = new AtomicIntegerArray(5);
            pool.forRange(5, hits::incrementAndGet); // still usable
            assertThat(hits.get(4)).isEqualTo(1);
        }
        assertThatThrownBy(() -> ThreadPool.create(0, "x")).hasMessageContaining("parallelism must be >= 1");
    }

    @Test
    void sharedPoolHasDaemonWorkers() {
        assertThat(Parallel.parallelism()).isGreaterThanOrEqualTo(1);
        AtomicIntegerArray hits = new AtomicIntegerArray(4);
        Parallel.forRange(4, i -> {
            if (!Thread.currentThread().getName().startsWith("dllmq-worker-")) {
                return;
            }
            assertThat(Thread.currentThread().isDaemon()).isTrue();
        });
        Parallel.forChunks(4, 3, (from, to) -> {
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        assertThat(hits.get(3)).isEqualTo(1);
    }

    private static void busy(int iterations) {
        double x = 0;
        for (int i = 0; i < iterations; i++) {
            x += Math.sqrt(i);
        }
        if (x < 0) {
            throw new AssertionError();
        }
    }
}
