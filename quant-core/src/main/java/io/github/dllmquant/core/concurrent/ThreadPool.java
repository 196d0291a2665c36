package io.github.dllmquant.core.concurrent;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A small persistent pool of long-lived daemon platform threads for data-parallel kernels (GEMMs):
 * the caller participates, and the participants claim work items with
 * {@link AtomicInteger#getAndIncrement()} on a per-call counter, so uneven items balance themselves.
 * A call costs one small job object and, when a worker sleeps, one wake-up.
 *
 * <p>One job runs at a time. A call made while the pool is busy (another thread's job, or a nested call
 * from inside a body) runs entirely on the calling thread: correct, never deadlocks, and on a machine
 * with few cores concurrent callers already keep them busy.
 *
 * <p>Hand-off: an idle worker spins with {@link Thread#onSpinWait()} for a short window
 * ({@value #DEFAULT_SPIN_MICROS} µs unless {@value #SPIN_PROPERTY} says otherwise) after its last job, so the
 * back-to-back calls of a forward pass (a few µs of serial code between them) find it awake, then parks
 * and stops using its core while the caller runs longer serial code; a caller wakes only workers that
 * parked. A caller waiting for the last items spins for the same window, then parks.
 *
 * <p>Interruption: a call always runs to completion (the workers write into the caller's arrays, so it
 * cannot be abandoned half way); an interrupt that arrives before or during a call is kept and is still
 * set when the call returns. Workers ignore interrupts; {@link #close()} stops them. The pool never sets
 * system properties and its threads never keep the JVM alive.
 */
public final class ThreadPool implements AutoCloseable {

    /** System property: how long (µs) an idle worker or a waiting caller spins before parking; 0 parks at once. */
    public static final String SPIN_PROPERTY = "dllmq.pool.spinMicros";

    /** Default spin window: longer than the serial gaps inside a forward pass (measured: almost all below 20 µs). */
    public static final int DEFAULT_SPIN_MICROS = 50;

    /** Spin rounds between two reads of the clock (a read costs about as much as a few rounds). */
    private static final int ROUNDS_PER_CLOCK_READ = 16;

    private final int parallelism;
    private final long spinNanos;
    private final Thread[] workers;
    /** Per worker: set while it is parked or about to park (read by the caller to decide whether to unpark it). */
    private final AtomicIntegerArray sleeping;
    private final ReentrantLock submitLock = new ReentrantLock();
    private volatile Job current;
    private volatile boolean closed;

    private ThreadPool(int parallelism, String namePrefix, long spinNanos) {
        this.parallelism = parallelism;
        this.spinNanos = spinNanos;
        this.workers = new Thread[parallelism - 1];
        this.sleeping = new AtomicIntegerArray(Math.max(1, parallelism - 1));
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            Thread t = new Thread(() -> workerLoop(index), namePrefix + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    /**
     * A pool in which {@code parallelism} threads work on each call: the caller plus
     * {@code parallelism − 1} daemon workers named {@code namePrefix + i}. The spin window is
     * {@value #SPIN_PROPERTY} if set, else {@value #DEFAULT_SPIN_MICROS} µs.
     */
    public static ThreadPool create(int parallelism, String namePrefix) {
        return create(parallelism, namePrefix, spinMicrosFromProperty());
    }

    /**
     * As {@link #create(int, String)} with an explicit spin window: how many microseconds an idle worker
     * (and a caller waiting for the last items) spins before parking; 0 parks at once.
     */
    public static ThreadPool create(int parallelism, String namePrefix, int spinMicros) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        if (spinMicros < 0) {
            throw new IllegalArgumentException("spinMicros must be >= 0, got " + spinMicros);
        }
        return new ThreadPool(parallelism, Objects.requireNonNull(namePrefix, "namePrefix"), spinMicros * 1000L);
    }

    private static int spinMicrosFromProperty() {
        String v = System.getProperty(SPIN_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_SPIN_MICROS;
        }
        try {
            int micros = Integer.parseInt(v.trim());
            if (micros >= 0) {
                return micros;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("-D" + SPIN_PROPERTY + " must be an integer >= 0 (microseconds), got '" + v + "'");
    }

    /** Number of threads that work on a call, the caller included. */
    public int parallelism() {
        return parallelism;
    }

    /** The spin window in microseconds. */
    public int spinMicros() {
        return (int) (spinNanos / 1000);
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
            // a worker either sees the new job before it parks, or has announced itself here first
            // (both sides write, then read, volatile state: no lost wake-up)
            int wake = Math.min(workers.length, n - 1);
            for (int i = 0; i < wake; i++) {
                if (sleeping.get(i) != 0) {
                    LockSupport.unpark(workers[i]);
                }
            }
            job.participate();
            job.awaitCompletion(spinNanos);
            // every item finished, so no worker reads the body again; a worker keeps the job it last saw (to tell
            // it from the next), which would keep whatever the body captured (a GEMM's operands) reachable
            job.body = null;
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

    private void workerLoop(int index) {
        Job seen = null;
        while (!closed) {
            Job job = awaitJob(index, seen);
            if (job != null) {
                seen = job;
                job.participate();
            }
        }
    }

    /** Spins for the window, then parks; returns a job not yet {@code seen}, or null when closing. */
    private Job awaitJob(int index, Job seen) {
        long start = System.nanoTime();
        int rounds = 0;
        while (!closed) {
            Job job = current;
            if (job != null && job != seen) {
                return job;
            }
            if (++rounds % ROUNDS_PER_CLOCK_READ != 0 || System.nanoTime() - start < spinNanos) {
                Thread.onSpinWait();
                continue;
            }
            sleeping.set(index, 1);
            job = current;
            if (job == null || job == seen) {
                LockSupport.park(this);
                Thread.interrupted(); // workers ignore interrupts: a set flag would make park return at once, forever
            }
            sleeping.set(index, 0);
            start = System.nanoTime();
        }
        return null;
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
        /** Cleared once every item finished (see {@link #forRange}). */
        IntConsumer body;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** Set while the caller is parked or about to park, waiting for the last items. */
        volatile boolean callerSleeping;

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
                if (done.incrementAndGet() == tasks && callerSleeping) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Waits (spin, then park) until every item finished; an interrupt is kept for the caller, never acted on here. */
        void awaitCompletion(long spinNanos) {
            if (done.get() >= tasks) {
                return;
            }
            long start = System.nanoTime();
            int rounds = 0;
            boolean interrupted = false;
            while (done.get() < tasks) {
                if (++rounds % ROUNDS_PER_CLOCK_READ != 0 || System.nanoTime() - start < spinNanos) {
                    Thread.onSpinWait();
                    continue;
                }
                callerSleeping = true;
                if (done.get() < tasks) {
                    LockSupport.park(this);
                    // park returns at once while the flag is set: clear it to sleep, restore it at the end
                    interrupted |= Thread.interrupted();
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
