package io.github.dllmquant.core.progress;

/**
 * Receives progress of long-running work (loading, calibration, quantization, evaluation).
 *
 * <p>Implementations must be cheap and must not throw; they may be called from worker threads.
 * Work that reports progress also honours {@link Thread#interrupt()}.
 */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores every update. */
    ProgressListener NONE = progress -> { };

    /** Called whenever the work advances. */
    void onProgress(Progress progress);
}
