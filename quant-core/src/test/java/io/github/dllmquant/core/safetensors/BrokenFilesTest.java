package io.github.dllmquant.core.safetensors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A corpus of hand-made broken safetensors files; each must fail with a {@link SafeTensorsException}
 * whose message names the file and the specific problem.
 */
class BrokenFilesTest {

    @TempDir
    Path dir;

    private static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    static Stream<Arguments> brokenHeaders() {
        return Stream.of(
                Arguments.of("overlap", "{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 4, 12) + "}", 12,
                        "tensor \"b\": data range [4, 12) overlaps tensor \"a\" ending at 8"),
                Arguments.of("gap", "{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "F32", "[1]", 8, 12) + "}", 12,
                        "tensor \"b\": gap in the data buffer: bytes [4, 8) belong to no tensor"),
                Arguments.of("leading gap", "{" + t("a", "F32", "[1]", 4, 8) + "}", 8,
                        "tensor \"a\": gap in the data buffer: bytes [0, 4)"),
                Arguments.of("trailing bytes", "{" + t("a", "F32", "[1]", 0, 4) + "}", 6,
                        "tensors cover 4 bytes but the data buffer has 6"),
                Arguments.of("truncated data", "{" + t("a", "F32", "[4]", 0, 16) + "}", 10,
                        "tensor \"a\": data range [0, 16) lies past the end of the data buffer (10 bytes; file truncated?)"),
                Arguments.of("wrong dtype size", "{" + t("a", "F32", "[2]", 0, 4) + "}", 4,
                        "tensor \"a\": F32 [2] needs 8 bytes but data_offsets [0, 4] hold 4"),
                Arguments.of("unknown dtype", "{" + t("a", "F31", "[1]", 0, 4) + "}", 4,
                        "tensor \"a\": unknown dtype \"F31\""),
                Arguments.of("misspelled dtype", "{" + t("a", "bf16", "[1]", 0, 2) + "}", 2,
                        "unknown dtype \"bf16\" (did you mean BF16?)"),
                Arguments.of("negative dim", "{" + t("a", "F32", "[-1]", 0, 4) + "}", 4,
                        "tensor \"a\": shape[0] = -1 is negative"),
                Arguments.of("fractional dim", "{" + t("a", "F32", "[2.5]", 0, 4) + "}", 4,
                        "tensor \"a\": shape[0] must be a non-negative integer, found 2.5"),
                Arguments.of("string dim", "{" + t("a", "F32", "[\"2\"]", 0, 8) + "}", 8,
                        "shape[0] must be a non-negative integer, found a string"),
                Arguments.of("huge dim", "{" + t("a", "F32", "[100000000000000000000]", 0, 4) + "}", 4,
                        "shape[0] = 100000000000000000000 is too large"),
                Arguments.of("size overflow", "{" + t("a", "F32", "[4611686018427387904,8]", 0, 4) + "}", 4,
                        "tensor \"a\": size of F32 [4611686018427387904, 8] overflows"),
                Arguments.of("sub-byte remainder", "{" + t("a", "F4", "[3]", 0, 2) + "}", 2,
                        "not a whole number of bytes"),
                Arguments.of("hostile 10^12 elements", "{" + t("a", "F32", "[1000000,1000000]", 0, 4000000000000L) + "}", 8,
                        "lies past the end of the data buffer"),
                Arguments.of("end before begin", "{" + t("a", "F32", "[0]", 4, 0) + "}", 4,
                        "data_offsets [4, 0] end before begin"),
                Arguments.of("three offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4,
                        "data_offsets must have 2 entries, found 3"),
                Arguments.of("no dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                        "tensor \"a\": entry has no \"dtype\""),
                Arguments.of("entry not an object", "{\"a\":[1,2]}", 0,
                        "tensor \"a\": entry must be an object, found an array"),
                Arguments.of("non-string metadata", "{\"__metadata__\":{\"step\":1}}", 0,
                        "__metadata__ value of \"step\" must be a string, found the number 1"),
                Arguments.of("metadata list", "{\"__metadata__\":[\"a\"]}", 0,
                        "__metadata__ must be an object of strings, found an array"),
                Arguments.of("duplicate tensor", "{" + t("a", "U8", "[1]", 0, 1) + "," + t("a", "U8", "[1]", 1, 2) + "}", 2,
                        "header is not valid JSON: Duplicate field 'a'"),
                Arguments.of("broken JSON", "{\"a\":{\"dtype\":\"F32\",", 0, "header is not valid JSON"),
                Arguments.of("trailing garbage", "{}x", 0, "header is not valid JSON"),
                Arguments.of("not an object", "[1]  ", 0, "header does not start with '{'"),
                Arguments.of("leading space", " {}", 0, "header does not start with '{'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenHeaders")
    void brokenHeaderIsNamed(String what, String header, int dataBytes, String message) throws IOException {
        Path file = RawFiles.write(dir, "broken.safetensors", header, dataBytes);
        assertThatThrownBy(() -> SafeTensors.open(file))
                .as(what)
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message);
    }

    private static byte[] lengthThen(long n, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(rest);
        return b.array();
    }

    @Test
    void brokenFramingIsNamed() throws IOException {
        Path shortFile = RawFiles.write(dir, "short.safetensors", new byte[]{8, 0, 0});
        assertThatThrownBy(() -> SafeTensors.open(shortFile)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("file has 3 bytes, too short for the 8-byte header length");

        Path pastEof = RawFiles.write(dir, "past.safetensors", lengthThen(64, "{}".getBytes()));
        assertThatThrownBy(() -> SafeTensors.open(pastEof))
                .hasMessageContaining("header length 64 runs past the end of the file (10 bytes; truncated?)");

        Path huge = RawFiles.write(dir, "huge.safetensors", lengthThen(1L << 40, "{}".getBytes()));
        assertThatThrownBy(() -> SafeTensors.open(huge)).hasMessageContaining("exceeds the limit of 100000000 bytes");

        Path negative = RawFiles.write(dir, "neg.safetensors", lengthThen(-1L, "{}".getBytes()));
        assertThatThrownBy(() -> SafeTensors.open(negative))
                .hasMessageContaining("header length 18446744073709551615 exceeds the limit");

        byte[] latin1 = RawFiles.bytes("{\"\u00e9\":{}}", 0);
        latin1[10] = (byte) 0xE9; // a lone Latin-1 byte where UTF-8 needs a sequence
        latin1[11] = (byte) '"';
        Path notUtf8 = RawFiles.write(dir, "latin1.safetensors", latin1);
        assertThatThrownBy(() -> SafeTensors.open(notUtf8)).hasMessageContaining("header is not valid UTF-8");

        Path tiny = RawFiles.write(dir, "tiny.safetensors", lengthThen(1, "{".getBytes()));
        assertThatThrownBy(() -> SafeTensors.open(tiny)).hasMessageContaining("too small for a JSON object");
    }

    @Test
    void truncatingAValidFileAnywhereIsReported() throws IOException {
        Path good = dir.resolve("good.safetensors");
        new SafeTensorsWriter().addF32("w", new long[]{4, 4}, new float[16]).addI8("b", new long[]{3}, new byte[3])
                .putMetadata("format", "pt").write(good);
        byte[] all = Files.readAllBytes(good);
        for (int len = 0; len < all.length; len++) {
            Path cut = RawFiles.write(dir, "cut.safetensors", Arrays.copyOf(all, len));
            assertThatThrownBy(() -> SafeTensors.open(cut)).as("cut at " + len)
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("cut.safetensors");
        }
    }

    @Test
    void brokenIndexesAreNamed() throws IOException {
        new SafeTensorsWriter().addF32("a", new long[]{1}, new float[]{1}).write(dir.resolve("s1.safetensors"));
        Path index = dir.resolve(SafeTensors.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\": {\"a\": \"s1.safetensors\"");
        assertThatThrownBy(() -> SafeTensors.openModel(dir)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("index is not valid JSON");
        Files.writeString(index, "{\"metadata\": {}}");
        assertThatThrownBy(() -> SafeTensors.openModel(dir)).hasMessageContaining("index has no \"weight_map\" object");
        Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
        assertThatThrownBy(() -> SafeTensors.openModel(dir)).hasMessageContaining("tensor \"a\": weight_map value must be a shard file name");
        Files.writeString(index, "{\"weight_map\": {\"a\": \"/etc/passwd\"}}");
        assertThatThrownBy(() -> SafeTensors.openModel(dir)).hasMessageContaining("must be a plain file name");
        Files.writeString(index, "{\"weight_map\": {\"a\": \"s2.safetensors\"}}");
        assertThatThrownBy(() -> SafeTensors.openModel(dir)).hasMessageContaining("s2.safetensors does not exist");
        RawFiles.write(dir, "s2.safetensors", "{" + t("a", "F32", "[2]", 0, 4) + "}", 4);
        assertThatThrownBy(() -> SafeTensors.openModel(dir)).hasMessageContaining("s2.safetensors: tensor \"a\": F32 [2] needs 8 bytes");
    }

    @Test
    void aThousandOpenCloseCyclesLeakNoMappings() throws IOException {
        Path file = dir.resolve("cycle.safetensors");
        new SafeTensorsWriter().addF32("w", new long[]{256}, new float[256]).write(file);
        long before = openFiles();
        for (int i = 0; i < 1000; i++) {
            try (SafeTensorsFile st = SafeTensors.open(file)) {
                assertThat(st.tensor("w").getFloat(255)).isZero();
            }
        }
        long after = openFiles();
        if (before >= 0) {
            assertThat(after - before).as("file descriptors").isLessThan(5);
        }
        assertThat(mappings(file)).as("mappings of the file still alive").isZero();
    }

    private static long openFiles() throws IOException {
        Path fd = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fd)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fd)) {
            return s.count();
        }
    }

    private static long mappings(Path file) throws IOException {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return 0;
        }
        String name = file.toAbsolutePath().toString();
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.filter(l -> l.endsWith(name)).count();
        }
    }
}
