package io.github.dllmquant.core.concurrent;

/** A body run over a half-open index range {@code [from, to)}; see {@link ThreadPool#forChunks}. */
@FunctionalInterface
public interface RangeBody {

    /** Processes indices {@code from} (inclusive) to {@code to} (exclusive). */
    void run(int from, int to);
}
