package io.github.dllmquant.runtime.model;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Runs independent index ranges (attention heads) in parallel and rethrows the first failure. */
final class Parallel {

    private Parallel() {
    }

    /** Calls {@code body} for each {@code 0 <= i < n}, possibly in parallel, and waits for all. */
    static void forEach(int n, IntConsumer body) {
        if (n == 1) {
            body.accept(0);
            return;
        }
        IntStream.range(0, n).parallel().forEach(body);
    }
}
