package io.github.dllmquant.core.concurrent;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A small persistent pool of long-lived daemon platform threads for data-parallel kernels (GEMMs):
 * the caller participates, and the participants claim work items with
 * {@link AtomicInteger#getAndIncrement()} on a per-call counter, so uneven items balance themselves.
 * A call costs one small job object and a few wake-ups, far less than a parallel stream.
 *
 * <p>One job runs at a time. A call made while the pool is busy (another thread's job, or a nested call
 * from inside a body) runs entirely on the calling thread: correct, never deadlocks, and on a machine
 * with few cores concurrent callers already keep them busy.
 *
 * <p>Idle workers spin briefly (so back-to-back calls of a forward pass find them awake), then park.
 * The pool never sets system properties and its threads never keep the JVM alive.
 */
public final class ThreadPool implements AutoCloseable {

    /** How many {@link Thread#onSpinWait()} rounds an idle worker or a waiting caller spins before parking. */
    private static final int SPIN_ROUNDS = 20_000;

    private final int parallelism;
    private final Thread[] workers;
    private final ReentrantLock submitLock = new ReentrantLock();
    private volatile Job current;
    private volatile boolean closed;

    private ThreadPool(int parallelism, String namePrefix) {
        this.parallelism = parallelism;
        this.workers = new Thread[parallelism - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, namePrefix + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    /**
     * A pool in which {@code parallelism} threads work on each call: the caller plus
     * {@code parallelism − 1} daemon workers named {@code namePrefix + i}.
     */
    public static ThreadPool create(int parallelism, String namePrefix) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        return new ThreadPool(parallelism, Objects.requireNonNull(namePrefix, "namePrefix"));
    }

    /** Number of threads that work on a call, the caller included. */
    public int parallelism() {
        return parallelism;
    }

    /**
     * Runs {@code body.accept(i)} exactly once for every {@code i} in {@code [0, n)}, in parallel,
     * and returns when all have finished. The first exception thrown by a body is rethrown here
     * (after the other items finished).
     */
    public void forRange(int n, IntConsumer body) {
        Objects.requireNonNull(body, "body");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        if (n == 0) {
            return;
        }
        if (n == 1 || workers.length == 0 || isWorker() || !submitLock.tryLock()) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        Job job = new Job(n, body, Thread.currentThread());
        try {
            if (closed) {
                throw new IllegalStateException("thread pool is closed");
            }
            current = job;
            for (Thread t : workers) {
                LockSupport.unpark(t);
            }
            job.participate();
            job.awaitCompletion();
        } finally {
            current = null;
            submitLock.unlock();
        }
        Throwable failure = job.failure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /**
     * Splits {@code [0, n)} into consecutive chunks of {@code chunk} indices (the last may be shorter)
     * and runs {@code body.run(from, to)} once per chunk, in parallel.
     */
    public void forChunks(int n, int chunk, RangeBody body) {
        Objects.requireNonNull(body, "body");
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        }
        int chunks = (int) (((long) n + chunk - 1) / chunk);
        forRange(chunks, c -> body.run(c * chunk, (int) Math.min(n, (long) c * chunk + chunk)));
    }

    private boolean isWorker() {
        Thread self = Thread.currentThread();
        for (Thread t : workers) {
            if (t == self) {
                return true;
            }
        }
        return false;
    }

    private void workerLoop() {
        Job seen = null;
        int idle = 0;
        while (!closed) {
            Job job = current;
            if (job != null && job != seen) {
                seen = job;
                job.participate();
                idle = 0;
            } else if (idle < SPIN_ROUNDS) {
                idle++;
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    /** Stops the workers (they are daemons, so a pool that is never closed does not keep the JVM alive). */
    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }

    /** One call: a claim counter, a completion counter, the first failure. */
    private static final class Job {
        final int tasks;
        final IntConsumer body;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int tasks, IntConsumer body, Thread caller) {
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
        }

        void participate() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                if (done.incrementAndGet() == tasks) {
                    LockSupport.unpark(caller);
                }
            }
        }

        void awaitCompletion() {
            int spins = 0;
            while (done.get() < tasks) {
                if (spins < SPIN_ROUNDS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }
}
