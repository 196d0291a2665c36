package io.github.dllmquant.examples.bench;

import io.github.dllmquant.runtime.sampling.CachedLogits;
import io.github.dllmquant.runtime.sampling.LogitsFunction;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts a logits function's forward passes by kind while forwarding every call unchanged (row-only
 * variants included, so the counted model computes what the bare one would): full passes (plain and
 * cache-starting), cached passes over a range of rows, and partial refreshes of a cache.
 */
public final class PassCounter {

    private final AtomicInteger full = new AtomicInteger();
    private final AtomicInteger partial = new AtomicInteger();
    private final AtomicInteger refresh = new AtomicInteger();

    /** Full passes: {@link LogitsFunction#logits} and {@link LogitsFunction#startCache}. */
    public int full() {
        return full.get();
    }

    /** Cached passes over a range of rows. */
    public int partial() {
        return partial.get();
    }

    /** Partial refreshes ({@link CachedLogits#refreshRows}). */
    public int refresh() {
        return refresh.get();
    }

    /** {@code model} with its passes counted here. */
    public LogitsFunction wrap(LogitsFunction model) {
        return LogitsFunction.withCache(ids -> {
            full.incrementAndGet();
            return model.logits(ids);
        }, ids -> {
            full.incrementAndGet();
            return counted(model.startCache(ids));
        });
    }

    private CachedLogits counted(CachedLogits cache) {
        return new CachedLogits() {
            @Override
            public float[] logits() {
                return cache.logits();
            }

            @Override
            public float[] logitsOfRows(int builtRows, int[] positions) {
                return cache.logitsOfRows(builtRows, positions);
            }

            @Override
            public float[] logits(int[] rows, int from, int to) {
                partial.incrementAndGet();
                return cache.logits(rows, from, to);
            }

            @Override
            public float[] logits(int[] rows, int from, int to, int[] positions) {
                partial.incrementAndGet();
                return cache.logits(rows, from, to, positions);
            }

            @Override
            public CachedLogits refreshRows(int[] ids, int to) {
                refresh.incrementAndGet();
                return counted(cache.refreshRows(ids, to));
            }
        };
    }
}
