package io.github.dllmquant.runtime.sampling;

import java.util.concurrent.CancellationException;

/**
 * Thrown by a sampler when its {@link CancellationToken} was cancelled or its thread interrupted.
 * When the cause was an interrupt, the thread's interrupt flag is still set.
 */
public final class GenerationCancelledException extends CancellationException {

    /** With a message naming the step at which the generation stopped. */
    public GenerationCancelledException(String message) {
        super(message);
    }
}
