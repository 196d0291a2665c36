package io.github.dllmquant.core.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShardedModelTest {

    @TempDir
    Path dir;

    private void twoShards() throws IOException {
        new SafeTensorsWriter().addF32("a", new long[]{2}, new float[]{1, 2}).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafeTensorsWriter().addF32("b", new long[]{1}, new float[]{3}).write(dir.resolve("model-00002-of-00002.safetensors"));
    }

    private void index(String weightMap) throws IOException {
        Files.writeString(dir.resolve(SafeTensors.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 12}, \"weight_map\": {" + weightMap + "}}");
    }

    @Test
    void readsTensorsAcrossShards() throws IOException {
        twoShards();
        index("\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"");
        try (TensorSource src = SafeTensors.openModel(dir)) {
            assertThat(src.names()).containsExactly("a", "b");
            assertThat(src.tensor("a").toFloatArray()).containsExactly(1f, 2f);
            assertThat(src.tensor("b").toFloatArray()).containsExactly(3f);
            assertThat(src.metadata()).containsEntry("total_size", "12");
            assertThatThrownBy(() -> src.tensor("c")).hasMessageContaining("\"c\": no such tensor");
        }
    }

    @Test
    void missingShardIsNamed() throws IOException {
        twoShards();
        index("\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00003-of-00002.safetensors\"");
        assertThatThrownBy(() -> SafeTensors.openModel(dir))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("tensor \"b\"")
                .hasMessageContaining("model-00003-of-00002.safetensors does not exist");
    }

    @Test
    void tensorAbsentFromItsShardIsNamed() throws IOException {
        twoShards();
        index("\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00001-of-00002.safetensors\"");
        assertThatThrownBy(() -> SafeTensors.openModel(dir))
                .hasMessageContaining("tensor \"b\": weight_map puts it in model-00001-of-00002.safetensors but that shard has no such tensor");
    }

    @Test
    void shardNamesCannotLeaveTheFolder() throws IOException {
        twoShards();
        index("\"a\": \"../model-00001-of-00002.safetensors\"");
        assertThatThrownBy(() -> SafeTensors.openModel(dir)).hasMessageContaining("must be a plain file name");
    }

    @Test
    void folderWithoutWeightsSaysWhatItFound() throws IOException {
        twoShards();
        assertThatThrownBy(() -> SafeTensors.openModel(dir))
                .hasMessageContaining("no model.safetensors or model.safetensors.index.json")
                .hasMessageContaining("model-00001-of-00002.safetensors");
    }
}
