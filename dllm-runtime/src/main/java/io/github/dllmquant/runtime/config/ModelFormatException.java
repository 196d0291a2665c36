package io.github.dllmquant.runtime.config;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model folder file (config.json, tokenizer.json, safetensors, ...) is malformed or describes
 * something this SDK does not support. The message names the file and the problem, e.g.
 * {@code "config.json: n_heads (6) must be a multiple of n_kv_heads (4)"}.
 *
 * <p>Checked, and an {@link IOException}, because it comes from reading outside input: callers that
 * already handle I/O failures handle it too.
 */
public class ModelFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}, which should name the file. */
    public ModelFormatException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, caused by {@code cause} (e.g. a JSON syntax error). */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "<file>: <problem>"}. */
    public static ModelFormatException of(Path file, String problem) {
        return new ModelFormatException(file + ": " + problem);
    }

    /** {@code "<file>: <problem>"} with a cause. */
    public static ModelFormatException of(Path file, String problem, Throwable cause) {
        return new ModelFormatException(file + ": " + problem, cause);
    }
}
