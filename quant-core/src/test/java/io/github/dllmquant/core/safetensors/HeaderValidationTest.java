package io.github.dllmquant.core.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Headers the reference accepts, and a first set of broken ones (the full corpus is in BrokenFilesTest). */
class HeaderValidationTest {

    @TempDir
    Path dir;

    @Test
    void acceptsPaddingAnyOrderScalarsAndEmptyTensors() throws IOException {
        String header = "{\"z\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[4,8]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
                + "\"__metadata__\":{\"format\":\"pt\"}}     ";
        Path file = RawFiles.write(dir, "ok.safetensors", header, 8);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThat(st.names()).containsExactly("a", "e", "z");
            assertThat(st.tensor("a").toIntArray()).containsExactly(1, 2, 3, 4);
            assertThat(st.tensor("z").toIntArray()).containsExactly(0x08070605);
            assertThat(st.entries()).extracting(TensorEntry::name).containsExactly("a", "e", "z");
            assertThat(st.metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void hostileElementCountGetsAnErrorNotOutOfMemory() throws IOException {
        Path file = RawFiles.write(dir, "huge.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,4000000000000]}}", 16);
        assertThatThrownBy(() -> SafeTensors.open(file))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("tensor \"w\"")
                .hasMessageContaining("past the end of the data buffer");
    }

    @Test
    void truncatedFileIsNamed() throws IOException {
        Path file = RawFiles.write(dir, "short.safetensors", new byte[]{1, 2, 3});
        assertThatThrownBy(() -> SafeTensors.open(file)).hasMessageContaining("short.safetensors")
                .hasMessageContaining("too short");
    }
}
