package io.github.dllmquant.core.format;

import java.io.IOException;

/**
 * A stored quantized tensor (native or GPTQ layout) is missing, inconsistent or corrupt. The message
 * names the tensor and the problem.
 */
public class FormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** An error with a complete message. */
    public FormatException(String message) {
        super(message);
    }

    /** An error with a complete message and its cause. */
    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
