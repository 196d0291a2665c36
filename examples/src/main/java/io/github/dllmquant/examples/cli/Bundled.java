package io.github.dllmquant.examples.cli;

import java.nio.file.Path;

/**
 * Files that ship with the repository next to the bundled model: the corpus and the task families.
 */
final class Bundled {

    private Bundled() {
    }

    /** The repository root: the launcher's {@code dllmq.home}, else found above the working directory. */
    static Path home() {
        Path model = ModelFolder.bundled();
        // bundled() is <home>/examples/models/tiny-llada
        return model.getParent().getParent().getParent();
    }

    /** examples/data/tiny_shakespeare.txt */
    static Path corpus() {
        return home().resolve("examples/data/tiny_shakespeare.txt");
    }

    /** examples/models/tiny-llada/tasks */
    static Path tasks() {
        return ModelFolder.bundled().resolve("tasks");
    }
}
