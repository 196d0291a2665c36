package io.github.dllmquant.examples.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code --model DIR} option every command shares (a picocli mixin), defaulting to the bundled
 * tiny LLaDA model. The bundled folder is found under the repository root that the {@code dllmq}
 * launcher passes as the system property {@value #HOME_PROPERTY}; without it (running from an IDE or
 * tests), under the working directory or its parents.
 */
public final class ModelFolder {

    /** System property naming the repository root (set by the {@code dllmq} launcher). */
    public static final String HOME_PROPERTY = "dllmq.home";
    /** The bundled default model, relative to the repository root. */
    public static final Path BUNDLED = Path.of("examples", "models", "tiny-llada");

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model folder (Hugging Face layout: config.json, safetensors, tokenizer). "
                    + "Default: the bundled examples/models/tiny-llada.")
    Path model;

    /**
     * The folder to load: the option's value, or the bundled model.
     *
     * @throws IllegalArgumentException naming the folder if it does not exist or has no config.json
     */
    public Path resolve() {
        Path folder = model != null ? model : bundled();
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist or is not a directory");
        }
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new IllegalArgumentException("model folder " + folder + " has no config.json (expected a Hugging "
                    + "Face model folder)");
        }
        return folder;
    }

    /** Whether the user passed {@code --model}. */
    public boolean isDefault() {
        return model == null;
    }

    /** The bundled model folder (it may not exist if the repository layout is not there). */
    public static Path bundled() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            return Path.of(home).resolve(BUNDLED);
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(BUNDLED))) {
                return d.resolve(BUNDLED);
            }
        }
        return dir.resolve(BUNDLED);
    }
}
