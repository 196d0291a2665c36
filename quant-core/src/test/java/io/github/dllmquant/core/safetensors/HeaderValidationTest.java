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
    void everyDtypeNameOfTheFormatIsAcceptedAndInspected() throws IOException {
        // one [8] tensor per dtype (8 elements make whole bytes for the 4- and 6-bit types), in enum order
        StringBuilder header = new StringBuilder("{\"__metadata__\":null");
        long offset = 0;
        for (io.github.dllmquant.core.tensor.DType d : io.github.dllmquant.core.tensor.DType.values()) {
            long end = offset + d.bytesFor(8);
            header.append(",\"t_").append(d.name()).append("\":{\"dtype\":\"").append(d.name())
                    .append("\",\"shape\":[8],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        header.append('}');
        Path file = RawFiles.write(dir, "all-dtypes.safetensors", header.toString(), (int) offset);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThat(st.metadata()).isEmpty(); // null metadata is "no metadata", as serde's Option reads it
            assertThat(st.entries()).hasSize(io.github.dllmquant.core.tensor.DType.values().length);
            for (TensorEntry e : st.entries()) {
                assertThat(e.name()).isEqualTo("t_" + e.dtype().name());
            }
        }
        String listing = Inspect.describe(file);
        for (io.github.dllmquant.core.tensor.DType d : io.github.dllmquant.core.tensor.DType.values()) {
            assertThat(listing).contains("t_" + d.name()).contains(d.name());
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
