package io.github.dllmquant.core.safetensors;

import io.github.dllmquant.core.tensor.DType;
import io.github.dllmquant.core.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of the safetensors reader: valid files are mutated (bit flips, byte sets,
 * JSON-significant characters in the header, length field changes, truncation, extension, splices) and
 * opened; the only exception allowed is {@link SafeTensorsException}, and a file that opens must be
 * readable in full. Iterations: system property {@code dllmq.fuzz.iterations} (default 20,000; CI can
 * ask for 100,000 or more), seed {@code dllmq.fuzz.seed}.
 */
class SafeTensorsFuzzTest {

    private static final byte[] JSON_BYTES = "{}[]\":,-.0123456789eE \\u_ntfl".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        Path p = dir.resolve("seed.safetensors");
        new SafeTensorsWriter().addF32("w", new long[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6})
                .addBf16("b", new long[]{2}, new float[]{1, -1}).putMetadata("format", "pt").write(p);
        seeds.add(Files.readAllBytes(p));
        new SafeTensorsWriter().addI64("scalar", new long[]{}, new long[]{42}).addF16("empty", new long[]{0, 4}, new float[0])
                .addU8("u", new long[]{5}, new byte[]{1, 2, 3, 4, 5}).addRaw("f4", DType.F4, new long[]{2}, new byte[]{0x21}).write(p);
        seeds.add(Files.readAllBytes(p));
        new SafeTensorsWriter().addI32("model.layers.0.qweight", new long[]{1, 4}, new int[]{-1, 0, 7, 0x77777777})
                .addF16("model.layers.0.scales", new long[]{1, 4}, new float[]{0.5f, 0.25f, 1, 2}).write(p);
        seeds.add(Files.readAllBytes(p));
        return seeds;
    }

    @Test
    void mutatedFilesOnlyEverThrowSafeTensorsException() throws IOException {
        int iterations = Integer.getInteger("dllmq.fuzz.iterations", 20_000);
        long seed = Long.getLong("dllmq.fuzz.seed", 20261126L);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<byte[]> seeds = seeds();
        Path file = dir.resolve("fuzz.safetensors");
        int opened = 0;
        int rejected = 0;
        for (int it = 0; it < iterations; it++) {
            byte[] input = mutate(seeds.get(rnd.nextInt(seeds.size())), seeds, rnd);
            Files.write(file, input);
            try (SafeTensorsFile st = SafeTensors.open(file)) {
                readEverything(st);
                opened++;
            } catch (SafeTensorsException expected) {
                assertThat(expected.getMessage()).startsWith(file.toString());
                rejected++;
            } catch (Throwable t) {
                fail("iteration " + it + " (seed " + seed + ") threw " + t + " for input "
                        + HexFormat.of().formatHex(input), t);
            }
        }
        assertThat(opened + rejected).isEqualTo(iterations);
        assertThat(rejected).as("most mutations break the file").isGreaterThan(iterations / 4);
        assertThat(opened).as("some mutations keep it valid (e.g. changed tensor bytes)").isPositive();
    }

    private static void readEverything(SafeTensorsFile st) throws SafeTensorsException {
        for (String name : st.names()) {
            TensorView t = st.tensor(name);
            long n = t.elementCount();
            switch (t.dtype()) {
                case F32, BF16, F16, F64 -> {
                    if (n > 0) {
                        t.getFloat(n - 1);
                    }
                    if (n < 1 << 20) {
                        assertThat(t.toFloatArray()).hasSize((int) n);
                    }
                }
                default -> assertThat(t.data().byteSize()).isEqualTo(t.dtype().bytesFor(n));
            }
        }
        st.metadata().forEach((k, v) -> assertThat(v).isNotNull());
    }

    private static byte[] mutate(byte[] seed, List<byte[]> seeds, SplittableRandom rnd) {
        byte[] b = seed.clone();
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            int headerEnd = headerEnd(b);
            switch (rnd.nextInt(9)) {
                case 0 -> { // flip a bit anywhere
                    int i = rnd.nextInt(b.length);
                    b[i] ^= (byte) (1 << rnd.nextInt(8));
                }
                case 1 -> { // JSON-significant character in the header
                    if (headerEnd > 8) {
                        b[8 + rnd.nextInt(headerEnd - 8)] = JSON_BYTES[rnd.nextInt(JSON_BYTES.length)];
                    }
                }
                case 2 -> { // random byte in the header
                    if (headerEnd > 8) {
                        b[8 + rnd.nextInt(headerEnd - 8)] = (byte) rnd.nextInt(256);
                    }
                }
                case 3 -> { // change the header length
                    if (b.length < 8) {
                        break;
                    }
                    long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    long[] choices = {n + rnd.nextInt(-9, 10), rnd.nextLong(), 1L << rnd.nextInt(64), 0, b.length};
                    ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(choices[rnd.nextInt(choices.length)]);
                }
                case 4 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
                case 5 -> { // extend with junk or spaces
                    int extra = 1 + rnd.nextInt(16);
                    byte[] c = java.util.Arrays.copyOf(b, b.length + extra);
                    byte fill = rnd.nextBoolean() ? (byte) ' ' : (byte) rnd.nextInt(256);
                    java.util.Arrays.fill(c, b.length, c.length, fill);
                    b = c;
                }
                case 6 -> { // a digit in a number becomes a long run of digits
                    if (headerEnd > 8) {
                        int i = 8 + rnd.nextInt(headerEnd - 8);
                        if (b[i] >= '0' && b[i] <= '9') {
                            String digits = "9".repeat(1 + rnd.nextInt(30));
                            b = splice(b, i, 1, digits.getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                }
                case 7 -> { // splice a piece of another seed
                    byte[] other = seeds.get(rnd.nextInt(seeds.size()));
                    int from = rnd.nextInt(other.length);
                    int len = rnd.nextInt(Math.min(32, other.length - from) + 1);
                    int at = rnd.nextInt(b.length + 1);
                    b = splice(b, at, 0, java.util.Arrays.copyOfRange(other, from, from + len));
                }
                default -> { // delete a run of bytes
                    if (b.length > 0) {
                        int at = rnd.nextInt(b.length);
                        b = splice(b, at, Math.min(b.length - at, 1 + rnd.nextInt(8)), new byte[0]);
                    }
                }
            }
            if (b.length == 0) {
                break;
            }
        }
        return b;
    }

    /** End of the header if the length field is plausible, else the end of the input. */
    private static int headerEnd(byte[] b) {
        if (b.length < 8) {
            return b.length;
        }
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n < 0 || n > b.length - 8 ? b.length : (int) (8 + n);
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] c = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(insert, 0, c, at, insert.length);
        System.arraycopy(b, at + remove, c, at + insert.length, b.length - at - remove);
        return c;
    }

    @Test
    void mutatedIndexesOnlyEverThrowSafeTensorsException() throws IOException {
        int iterations = Integer.getInteger("dllmq.fuzz.iterations", 20_000);
        SplittableRandom rnd = new SplittableRandom(Long.getLong("dllmq.fuzz.seed", 20261126L) + 1);
        new SafeTensorsWriter().addF32("a", new long[]{1}, new float[]{1}).write(dir.resolve("s1.safetensors"));
        new SafeTensorsWriter().addF32("b", new long[]{1}, new float[]{2}).write(dir.resolve("s2.safetensors"));
        byte[] seed = ("{\"metadata\": {\"total_size\": 8, \"format\": \"pt\"}, \"weight_map\": "
                + "{\"a\": \"s1.safetensors\", \"b\": \"s2.safetensors\"}}").getBytes(StandardCharsets.UTF_8);
        Path index = dir.resolve(SafeTensors.INDEX_FILE);
        for (int it = 0; it < iterations; it++) {
            byte[] input = seed.clone();
            for (int r = 0, rounds = 1 + rnd.nextInt(3); r < rounds; r++) {
                int i = rnd.nextInt(input.length);
                input[i] = rnd.nextBoolean() ? JSON_BYTES[rnd.nextInt(JSON_BYTES.length)] : (byte) rnd.nextInt(256);
            }
            Files.write(index, input);
            try (TensorSource src = SafeTensors.openModel(dir)) {
                for (String name : src.names()) {
                    src.tensor(name).getFloat(0);
                }
            } catch (SafeTensorsException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (Throwable t) {
                fail("index iteration " + it + " threw " + t + " for " + new String(input, StandardCharsets.UTF_8), t);
            }
        }
    }
}
