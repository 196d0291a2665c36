package io.github.dllmquant.runtime.sampling;

/**
 * Lets another thread stop a running generation. The sampler checks it (and the generating thread's
 * interrupt flag) before every forward pass and throws {@link GenerationCancelledException}.
 *
 * <p>One token may be shared by several generations; once cancelled it stays cancelled.
 */
public final class CancellationToken {

    private volatile boolean cancelled;

    /** A token that is not cancelled yet. */
    public CancellationToken() {
    }

    /** Requests cancellation; idempotent, callable from any thread. */
    public void cancel() {
        cancelled = true;
    }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Throws if this token was cancelled or the current thread was interrupted (the interrupt flag
     * is left set, so callers up the stack still see it).
     *
     * @param step the step about to run, for the message
     */
    void throwIfCancelled(int step) {
        if (cancelled) {
            throw new GenerationCancelledException("generation cancelled before step " + step);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new GenerationCancelledException("generation interrupted before step " + step);
        }
    }
}
