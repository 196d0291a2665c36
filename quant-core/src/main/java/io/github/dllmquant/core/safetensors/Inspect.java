package io.github.dllmquant.core.safetensors;

import io.github.dllmquant.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A readable listing of a safetensors file, a sharded index or a model folder (for {@code dllmq inspect}):
 * <pre>
 *   model.safetensors: 3 tensors, header 248 bytes, data from byte 256, 1,048,592 bytes of data
 *     __metadata__ format = pt
 *     lm_head.weight   BF16  [256, 1024]  [0, 524288)
 *     ...
 * </pre>
 * Byte ranges are the {@code data_offsets} (relative to the start of the data buffer). Validation is
 * the reader's: a broken file gives its {@link SafeTensorsException}.
 */
public final class Inspect {

    private Inspect() {
    }

    /**
     * The listing of {@code path} (file, index file or folder).
     *
     * @throws SafeTensorsException if it is broken (the message names the file, tensor and problem)
     * @throws IOException          if it cannot be read ({@link java.nio.file.NoSuchFileException} if it does not exist)
     */
    public static String describe(Path path) throws IOException {
        AtomicFiles.requireExists(path); // names the previous version of a folder whose save was interrupted
        StringBuilder out = new StringBuilder();
        try (TensorSource src = SafeTensors.openModel(path)) {
            switch (src) {
                case SafeTensorsFile file -> file(out, file, "");
                case ShardedTensorSource sharded -> {
                    out.append(path).append(": ").append(sharded.names().size()).append(" tensors in ")
                            .append(sharded.shards().size()).append(" shards\n");
                    metadata(out, "  ", "metadata", sharded.metadata());
                    for (SafeTensorsFile shard : sharded.shards()) {
                        file(out, shard, "  ");
                    }
                }
                default -> throw new IllegalStateException("unexpected source " + src);
            }
        }
        return out.toString();
    }

    private static void file(StringBuilder out, SafeTensorsFile f, String indent) {
        long dataBytes = f.entries().isEmpty() ? 0 : f.entries().getLast().end();
        out.append(indent).append(f.path()).append(": ").append(f.entries().size()).append(" tensors, header ")
                .append(f.headerLength()).append(" bytes, data from byte ").append(8 + f.headerLength())
                .append(", ").append(String.format("%,d", dataBytes)).append(" bytes of data\n");
        metadata(out, indent + "  ", "__metadata__", f.metadata());
        int width = 0;
        for (TensorEntry e : f.entries()) {
            width = Math.max(width, e.name().length());
        }
        for (TensorEntry e : f.entries()) {
            out.append(indent).append("  ").append(pad(e.name(), width)).append("  ").append(pad(e.dtype().name(), 11))
                    .append(' ').append(pad(Arrays.toString(e.shape()), 16)).append(" [").append(e.begin()).append(", ")
                    .append(e.end()).append(")\n");
        }
    }

    private static void metadata(StringBuilder out, String indent, String label, Map<String, String> metadata) {
        metadata.forEach((k, v) -> out.append(indent).append(label).append(' ').append(k).append(" = ").append(v).append('\n'));
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
