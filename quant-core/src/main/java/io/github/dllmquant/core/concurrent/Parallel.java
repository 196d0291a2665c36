package io.github.dllmquant.core.concurrent;

import org.slf4j.LoggerFactory;

import java.util.function.IntConsumer;

/**
 * The library's shared {@link ThreadPool}, created on first use, used by the GEMM kernels and
 * available to any other data-parallel code of the SDK.
 *
 * <p>Size: the system property {@value #THREADS_PROPERTY} if set (a positive integer), otherwise
 * {@link Runtime#availableProcessors()}. The property is only read, never set.
 *
 * <pre>{@code
 * Parallel.forRange(rows, r -> process(r));                 // one item per index
 * Parallel.forChunks(n, 64, (from, to) -> process(from, to)); // consecutive chunks
 * }</pre>
 */
public final class Parallel {

    /** System property: number of threads working on a call, the caller included. */
    public static final String THREADS_PROPERTY = "dllmq.threads";

    private Parallel() {
    }

    /** The shared pool. */
    public static ThreadPool pool() {
        return Holder.POOL;
    }

    /** Threads working on a call of the shared pool, the caller included. */
    public static int parallelism() {
        return Holder.POOL.parallelism();
    }

    /** {@link ThreadPool#forRange} on the shared pool. */
    public static void forRange(int n, IntConsumer body) {
        Holder.POOL.forRange(n, body);
    }

    /** {@link ThreadPool#forChunks} on the shared pool. */
    public static void forChunks(int n, int chunk, RangeBody body) {
        Holder.POOL.forChunks(n, chunk, body);
    }

    private static final class Holder {
        static final ThreadPool POOL = ThreadPool.create(threads(), "dllmq-worker-");

        private static int threads() {
            String requested = System.getProperty(THREADS_PROPERTY);
            int n = Runtime.getRuntime().availableProcessors();
            if (requested != null && !requested.isBlank()) {
                try {
                    n = Integer.parseInt(requested.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("-D" + THREADS_PROPERTY + " must be a positive integer, got '" + requested + "'", e);
                }
                if (n < 1) {
                    throw new IllegalStateException("-D" + THREADS_PROPERTY + " must be a positive integer, got " + n);
                }
            }
            LoggerFactory.getLogger(Parallel.class).info("thread pool: {} threads (caller included)", n);
            return n;
        }
    }
}
