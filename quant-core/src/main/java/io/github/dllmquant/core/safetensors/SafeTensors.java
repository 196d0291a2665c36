package io.github.dllmquant.core.safetensors;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry points for reading safetensors files and model folders.
 *
 * <pre>{@code
 * try (TensorSource weights = SafeTensors.openModel(Path.of("models/tiny-llada"))) {
 *     float[] embed = weights.tensor("model.transformer.wte.weight").toFloatArray();
 * }
 * }</pre>
 */
public final class SafeTensors {

    /** Name of a single-file model's weights. */
    public static final String MODEL_FILE = "model.safetensors";
    /** Name of a sharded model's index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private SafeTensors() {
    }

    /**
     * Maps and validates one safetensors file.
     *
     * @throws SafeTensorsException if the file is broken, naming the file, the tensor and the problem
     * @throws IOException          if it cannot be read
     */
    public static SafeTensorsFile open(Path file) throws IOException {
        return SafeTensorsFile.open(file);
    }

    /**
     * The weights of a model: {@code folder/model.safetensors.index.json} (sharded) if present, else
     * {@code folder/model.safetensors}. {@code path} may also name a {@code .safetensors} file or an
     * index file directly.
     *
     * @throws SafeTensorsException if there are no weights or they are broken
     */
    public static TensorSource openModel(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return path.getFileName().toString().endsWith(".json") ? ShardedTensorSource.open(path) : open(path);
        }
        if (!Files.isDirectory(path)) {
            throw SafeTensorsException.of(path, "no such file or folder");
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return ShardedTensorSource.open(index);
        }
        Path single = path.resolve(MODEL_FILE);
        if (Files.isRegularFile(single)) {
            return open(single);
        }
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path, "*.safetensors")) {
            ds.forEach(p -> found.add(p.getFileName().toString()));
        }
        throw SafeTensorsException.of(path, "no " + MODEL_FILE + " or " + INDEX_FILE + " in this folder"
                + (found.isEmpty() ? "" : " (found " + found + ")"));
    }
}
