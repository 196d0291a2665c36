package io.github.dllmquant.core.safetensors;

import io.github.dllmquant.core.tensor.DType;
import io.github.dllmquant.core.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeTensorsRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void writerLaysOutTheHeaderAsTheReferenceDoes() throws IOException {
        Path file = dir.resolve("t.safetensors");
        new SafeTensorsWriter()
                .addI8("a", new long[]{3}, new byte[]{1, -2, 3})
                .addF32("b", new long[]{2}, new float[]{1f, 2f})
                .addF32("A", new long[]{1}, new float[]{5f})
                .putMetadata("format", "pt")
                .write(file);
        byte[] all = Files.readAllBytes(file);
        String expected = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"A\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                + "\"a\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[12,15]}}";
        int n = (int) java.nio.ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(all, 8, n, StandardCharsets.UTF_8);
        assertThat(header).startsWith(expected);
        assertThat(header.substring(expected.length())).matches(" {0,7}");
        assertThat(all.length).isEqualTo(8 + n + 15);
        // tensor "A" (F32 5.0 = 0x40A00000) little endian right after the header
        assertThat(Arrays.copyOfRange(all, 8 + n, 8 + n + 4)).containsExactly(0, 0, (byte) 0xA0, 0x40);
    }

    @Test
    void everyWriterDtypeReadsBack() throws IOException {
        Path file = dir.resolve("all.safetensors");
        float[] f = {1.5f, -0f, Float.NEGATIVE_INFINITY, 3.1415927f};
        new SafeTensorsWriter()
                .addF32("f32", new long[]{2, 2}, f)
                .addBf16("bf16", new long[]{4}, f)
                .addF16("f16", new long[]{4}, f)
                .addI32("i32", new long[]{2}, new int[]{Integer.MIN_VALUE, 7})
                .addI64("i64", new long[]{}, new long[]{Long.MAX_VALUE})
                .addU8("u8", new long[]{2}, new byte[]{(byte) 200, 1})
                .addRaw("f4", DType.F4, new long[]{2, 2}, new byte[]{0x12, 0x34})
                .addF32("empty", new long[]{0, 3}, new float[0])
                .write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThat(st.names()).containsExactly("bf16", "empty", "f16", "f32", "f4", "i32", "i64", "u8");
            assertThat(st.tensor("f32").toFloatArray()).containsExactly(f);
            assertThat(st.tensor("f32").shape()).containsExactly(2, 2);
            assertThat(st.tensor("bf16").toFloatArray()).containsExactly(1.5f, -0f, Float.NEGATIVE_INFINITY, 3.140625f);
            assertThat(st.tensor("f16").toFloatArray()).containsExactly(1.5f, -0f, Float.NEGATIVE_INFINITY, 3.140625f);
            assertThat(st.tensor("i32").toIntArray()).containsExactly(Integer.MIN_VALUE, 7);
            assertThat(st.tensor("i64").toLongArray()).containsExactly(Long.MAX_VALUE);
            assertThat(st.tensor("i64").rank()).isZero();
            assertThat(st.tensor("u8").toIntArray()).containsExactly(200, 1);
            assertThat(st.tensor("f4").toByteArray()).containsExactly(0x12, 0x34);
            assertThat(st.tensor("empty").elementCount()).isZero();
            assertThat(st.metadata()).isEmpty();
        }
    }

    @Test
    void largeArraysCrossWriteChunksIntact() throws IOException {
        int n = 700_001; // 2.8 MB of F32: several 1 MiB chunks, odd tail
        float[] f = new float[n];
        int[] i32 = new int[n];
        long[] i64 = new long[n / 2];
        for (int k = 0; k < n; k++) {
            f[k] = k * 0.5f - 3f;
            i32[k] = k * 31 - 7;
        }
        for (int k = 0; k < i64.length; k++) {
            i64[k] = (long) k << 33 | k;
        }
        Path file = dir.resolve("big.safetensors");
        new SafeTensorsWriter().addI8("odd", new long[]{3}, new byte[]{1, 2, 3}).addF32("f", new long[]{n}, f)
                .addI32("i", new long[]{n}, i32).addI64("l", new long[]{i64.length}, i64).addBf16("h", new long[]{n}, f).write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThat(st.tensor("f").toFloatArray()).isEqualTo(f);
            assertThat(st.tensor("i").toIntArray()).isEqualTo(i32);
            assertThat(st.tensor("l").toLongArray()).isEqualTo(i64);
            assertThat(st.tensor("h").getFloat(n - 1)).isEqualTo(io.github.dllmquant.core.tensor.Bf16.round(f[n - 1]));
        }
    }

    @Test
    void missingTensorListsNearNames() throws IOException {
        Path file = dir.resolve("m.safetensors");
        new SafeTensorsWriter()
                .addF32("model.layers.0.q_proj.weight", new long[]{1}, new float[]{1})
                .addF32("model.layers.0.k_proj.weight", new long[]{1}, new float[]{1})
                .addF32("lm_head.bias", new long[]{1}, new float[]{1})
                .write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThatThrownBy(() -> st.tensor("model.layers.0.q_proj.weights"))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("\"model.layers.0.q_proj.weights\": no such tensor")
                    .hasMessageContaining("nearest: [model.layers.0.q_proj.weight, model.layers.0.k_proj.weight");
            assertThat(st.contains("lm_head.bias")).isTrue();
        }
    }

    @Test
    void viewsAreMappedAndReleasedOnClose() throws IOException {
        Path file = dir.resolve("c.safetensors");
        new SafeTensorsWriter().addF32("x", new long[]{2}, new float[]{4f, 5f}).write(file);
        SafeTensorsFile st = SafeTensors.open(file);
        TensorView x = st.tensor("x");
        assertThat(x.data().isMapped()).isTrue();
        assertThat(x.getFloat(1)).isEqualTo(5f);
        st.close();
        st.close();
        assertThatThrownBy(() -> x.getFloat(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFileOnFailure() throws IOException {
        Path target = dir.resolve("model.safetensors");
        new SafeTensorsWriter().addF32("old", new long[]{1}, new float[]{1f}).write(target);
        byte[] before = Files.readAllBytes(target);
        Path other = dir.resolve("src.safetensors");
        new SafeTensorsWriter().addF32("x", new long[]{1}, new float[]{2f}).write(other);
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsFile src = SafeTensors.open(other)) {
            w.add(src.tensor("x"));
        }
        // the source mapping is closed: writing its bytes fails half-way
        assertThatThrownBy(() -> w.write(target)).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readAllBytes(target)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.safetensors", "src.safetensors");
        }
        new SafeTensorsWriter().addF32("new", new long[]{1}, new float[]{3f}).putMetadata(Map.of("k", "v\n\"q\"")).write(target);
        try (SafeTensorsFile st = SafeTensors.open(target)) {
            assertThat(st.names()).containsExactly("new");
            assertThat(st.metadata()).containsEntry("k", "v\n\"q\"");
        }
    }

    @Test
    void writerRejectsBadInput() {
        SafeTensorsWriter w = new SafeTensorsWriter().addF32("x", new long[]{2}, new float[2]);
        assertThatThrownBy(() -> w.addF32("x", new long[]{2}, new float[2])).hasMessageContaining("already added");
        assertThatThrownBy(() -> w.addF32("y", new long[]{3}, new float[2])).hasMessageContaining("3 elements but 2 values");
        assertThatThrownBy(() -> w.addF32("__metadata__", new long[]{1}, new float[1])).hasMessageContaining("__metadata__");
        assertThatThrownBy(() -> w.addRaw("f4", DType.F4, new long[]{3}, new byte[2])).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void serdeStyleEscapes() {
        assertThat(SafeTensorsWriter.quote("a\u0001\t\"\\é")).isEqualTo("\"a\\u0001\\t\\\"\\\\é\"");
        assertThat(SafeTensorsWriter.compareUtf8("\uFFFF", "\uD83D\uDE00")).isNegative();
        assertThat("\uFFFF".compareTo("\uD83D\uDE00")).isPositive();
    }

    @Test
    void opensTheBundledModel() throws IOException {
        Path folder = Path.of("..", "examples", "models", "tiny-llada").toAbsolutePath().normalize();
        try (TensorSource src = SafeTensors.openModel(folder)) {
            assertThat(src.names()).isNotEmpty();
            for (String name : src.names()) {
                TensorView t = src.tensor(name);
                assertThat(t.data().byteSize()).isEqualTo(t.dtype().bytesFor(t.elementCount()));
            }
        }
    }
}
