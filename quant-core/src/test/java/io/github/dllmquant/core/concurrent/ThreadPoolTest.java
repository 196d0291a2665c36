package io.github.dllmquant.core.concurrent;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThreadPoolTest {

    private static final int PARKED_POLLS = 20;

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
    void workersDoNotKeepWhatAFinishedCallCaptured() throws Exception {
        try (ThreadPool pool = ThreadPool.create(3, "test-worker-")) {
            WeakReference<float[]> payload = runOnWorkers(pool);
            for (int i = 0; i < 50 && payload.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertThat(payload.get()).as("the body's captured array after the call returned").isNull();
        }
    }

    /** A call whose body captures a large array, run until a worker took part; only a weak reference escapes. */
    private static WeakReference<float[]> runOnWorkers(ThreadPool pool) {
        float[] big = new float[1 << 22];
        ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
        for (int round = 0; round < 100 && threads.keySet().stream().noneMatch(n -> n.startsWith("test-worker-")); round++) {
            pool.forRange(64, i -> {
                threads.put(Thread.currentThread().getName(), true);
                busy(20_000);
                big[i] += 1f;
            });
        }
        return new WeakReference<>(big);
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

    @Test
    void parkedWorkersAreWokenForEveryCall() throws Exception {
        // spin window 0: workers park right after each job, so every call must wake one; each call's two
        // items meet at a barrier, which only two threads running at once can pass
        try (ThreadPool pool = ThreadPool.create(2, "test-parked-", 0)) {
            assertThat(pool.spinMicros()).isZero();
            ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
            for (int round = 0; round < 50; round++) {
                CyclicBarrier bothRunning = new CyclicBarrier(2);
                AtomicIntegerArray hits = new AtomicIntegerArray(2);
                pool.forRange(2, i -> {
                    threads.put(Thread.currentThread().getName(), true);
                    await(bothRunning);
                    hits.incrementAndGet(i);
                });
                assertThat(hits.get(0) + hits.get(1)).as("round %d", round).isEqualTo(2);
                if (round % 10 == 0) {
                    waitUntilParked(workerOf(pool));
                }
            }
            assertThat(threads.keySet()).contains("test-parked-1");
        }
    }

    @Test
    void anInterruptedCallerWaitsParkedForTheLastItemAndKeepsItsInterrupt() throws Exception {
        try (ThreadPool pool = ThreadPool.create(2, "test-interrupt-", 0)) {
            Thread caller = Thread.currentThread();
            for (int round = 0; round < 20; round++) {
                CountDownLatch release = new CountDownLatch(1);
                AtomicIntegerArray hits = new AtomicIntegerArray(2);
                AtomicReference<Thread> ranOnWorker = new AtomicReference<>();
                // releases the worker's item once the caller has been seen parked PARKED_POLLS times in a row (an
                // interrupted caller that could not park would stay RUNNABLE: this helper would then give up and
                // the test fail); one sighting is not enough, a park that returns at once passes through WAITING
                AtomicBoolean sawParked = new AtomicBoolean();
                Thread helper = Thread.ofPlatform().start(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    int parkedInARow = 0;
                    while (parkedInARow < PARKED_POLLS && System.nanoTime() < deadline) {
                        parkedInARow = caller.getState() == Thread.State.WAITING ? parkedInARow + 1 : 0;
                        sleepQuietly();
                    }
                    sawParked.set(parkedInARow == PARKED_POLLS);
                    release.countDown();
                });
                caller.interrupt();
                pool.forRange(2, i -> {
                    if (Thread.currentThread() != caller) {
                        ranOnWorker.set(Thread.currentThread());
                        awaitUninterruptibly(release);
                    } else {
                        // the caller's item lasts until the worker holds the other one, so the caller always ends
                        // up waiting for the worker (else it could claim both items first: a race, not a check);
                        // a spin, because a blocking wait would act on the caller's interrupt
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        while (ranOnWorker.get() == null && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                    }
                    hits.incrementAndGet(i);
                });
                assertThat(Thread.interrupted()).as("interrupt kept, round %d", round).isTrue();
                assertThat(hits.get(0) + hits.get(1)).as("round %d", round).isEqualTo(2);
                release.countDown();
                helper.join();
                assertThat(ranOnWorker.get()).as("an item ran on the worker, round %d", round).isNotNull();
                assertThat(sawParked.get()).as("the interrupted caller parked while waiting, round %d", round).isTrue();
            }
        }
    }

    @Test
    void anInterruptedWorkerParksAgainAndKeepsWorking() throws Exception {
        try (ThreadPool pool = ThreadPool.create(2, "test-wint-", 0)) {
            Thread worker = workerOf(pool);
            worker.interrupt();
            // the flag clears only once the worker has returned from park and handled it; checking the state
            // before that could see the park it was in when interrupted (it may not have run yet)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (worker.isInterrupted() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(worker.isInterrupted()).as("the worker cleared its interrupt flag").isFalse();
            // a worker that kept its interrupt flag would return from park at once, forever: RUNNABLE, never WAITING
            waitUntilParked(worker);
            CyclicBarrier bothRunning = new CyclicBarrier(2);
            AtomicIntegerArray hits = new AtomicIntegerArray(2);
            pool.forRange(2, i -> {
                await(bothRunning);
                hits.incrementAndGet(i);
            });
            assertThat(hits.get(0) + hits.get(1)).isEqualTo(2);
        }
    }

    @Test
    void closedPoolStopsItsWorkersAndRejectsParallelCalls() throws Exception {
        ThreadPool pool = ThreadPool.create(2, "test-close-");
        Thread worker = workerOf(pool);
        pool.close();
        worker.join(30_000);
        assertThat(worker.isAlive()).isFalse();
        assertThatThrownBy(() -> pool.forRange(4, i -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> ThreadPool.create(2, "x", -1)).hasMessageContaining("spinMicros must be >= 0");
    }

    /** The pool's (single) worker thread, found by running items until one lands on it. */
    private static Thread workerOf(ThreadPool pool) {
        AtomicReference<Thread> found = new AtomicReference<>();
        CyclicBarrier bothRunning = new CyclicBarrier(2);
        Thread caller = Thread.currentThread();
        pool.forRange(2, i -> {
            await(bothRunning);
            if (Thread.currentThread() != caller) {
                found.set(Thread.currentThread());
            }
        });
        assertThat(found.get()).isNotNull();
        return found.get();
    }

    /**
     * Waits (up to a generous limit, a liveness bound, not a speed check) until {@code t} is seen parked in
     * {@value #PARKED_POLLS} polls in a row: one sighting could be a park that returns at once (a thread
     * with its interrupt flag set passes through the parked state on every call).
     */
    private static void waitUntilParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int parkedInARow = 0;
        while (parkedInARow < PARKED_POLLS && System.nanoTime() < deadline) {
            parkedInARow = t.getState() == Thread.State.WAITING ? parkedInARow + 1 : 0;
            Thread.sleep(1);
        }
        assertThat(parkedInARow).as("%s parked in %d polls in a row (last state %s)", t.getName(), PARKED_POLLS, t.getState())
                .isEqualTo(PARKED_POLLS);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the other thread never arrived", e);
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            throw new AssertionError("a pool worker was interrupted", e);
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
