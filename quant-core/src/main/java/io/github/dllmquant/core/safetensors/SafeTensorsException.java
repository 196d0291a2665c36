package io.github.dllmquant.core.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file, shard index or tensor lookup is broken or hostile. The message names the file,
 * the tensor (when one is concerned) and the problem.
 */
public class SafeTensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    /** An error with a complete message. */
    public SafeTensorsException(String message) {
        super(message);
    }

    /** An error with a complete message and its cause. */
    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "{@code file}: {@code problem}". */
    static SafeTensorsException of(Path file, String problem) {
        return new SafeTensorsException(file + ": " + problem);
    }

    /** "{@code file}: tensor "{@code tensor}": {@code problem}". */
    static SafeTensorsException of(Path file, String tensor, String problem) {
        return new SafeTensorsException(file + ": tensor \"" + tensor + "\": " + problem);
    }
}
