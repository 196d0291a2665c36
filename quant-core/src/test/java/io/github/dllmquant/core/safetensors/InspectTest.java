package io.github.dllmquant.core.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InspectTest {

    @TempDir
    Path dir;

    @Test
    void listsTensorsRangesAndMetadata() throws IOException {
        Path file = dir.resolve("model.safetensors");
        new SafeTensorsWriter().addF32("w", new long[]{2, 3}, new float[6]).addI8("b", new long[]{}, new byte[1])
                .putMetadata("format", "pt").write(file);
        String text = Inspect.describe(file);
        assertThat(text).contains(file + ": 2 tensors, header ", " bytes of data")
                .contains("__metadata__ format = pt")
                .containsPattern("w +F32 +\\[2, 3] +\\[0, 24\\)")
                .containsPattern("b +I8 +\\[] +\\[24, 25\\)");
        assertThat(Inspect.describe(dir)).isEqualTo(text);
    }

    @Test
    void listsShardsOfAnIndex() throws IOException {
        new SafeTensorsWriter().addF32("a", new long[]{1}, new float[1]).write(dir.resolve("s1.safetensors"));
        new SafeTensorsWriter().addF32("b", new long[]{2}, new float[2]).write(dir.resolve("s2.safetensors"));
        Files.writeString(dir.resolve(SafeTensors.INDEX_FILE),
                "{\"metadata\":{\"total_size\":12},\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
        String text = Inspect.describe(dir);
        assertThat(text).contains("2 tensors in 2 shards", "metadata total_size = 12", "s1.safetensors: 1 tensors",
                "s2.safetensors: 1 tensors").containsPattern("b +F32 +\\[2] +\\[0, 8\\)");
    }

    @Test
    void brokenFileGivesTheReadersError() throws IOException {
        Path file = RawFiles.write(dir, "x.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4);
        assertThatThrownBy(() -> Inspect.describe(file)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("needs 8 bytes");
    }

    @Test
    void aMissingFolderIsNamedWithTheVersionAnInterruptedSaveLeftAside(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Inspect.describe(dir.resolve("model")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("does not exist");
        // what a save killed between its two renames leaves (a dead process's PID in the name)
        Path previous = java.nio.file.Files.createDirectory(dir.resolve(".model.old-" + Long.MAX_VALUE / 2 + "-x"));
        new SafeTensorsWriter().addF32("w", new long[] {1}, new float[] {1}).write(previous.resolve("model.safetensors"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Inspect.describe(dir.resolve("model")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("interrupted").hasMessageContaining(previous.toString());
    }
}
