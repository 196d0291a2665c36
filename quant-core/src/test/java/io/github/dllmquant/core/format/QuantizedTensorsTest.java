package io.github.dllmquant.core.format;

import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.quant.WeightQuantizer.Grid;
import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.SafeTensorsFile;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantizedTensorsTest {

    @TempDir
    Path dir;

    static float[] gaussian(int n, long seed) {
        Random rnd = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        return w;
    }

    private QuantizedWeight roundTrip(QuantizedWeight q) throws IOException {
        Path file = dir.resolve("q.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        QuantizedTensors.write(w, "layer.q_proj", q);
        w.write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThat(QuantizedTensors.contains(st, "layer.q_proj")).isTrue();
            return QuantizedTensors.read(st, "layer.q_proj");
        }
    }

    @Test
    void roundTripIsExactForEveryWidthAndGrouping() throws IOException {
        int out = 3;
        int in = 24;
        float[] w = gaussian(out * in, 5);
        for (int bits = 2; bits <= 8; bits++) {
            for (int g : new int[]{-1, 8, 12}) {
                for (Grid grid : Grid.values()) {
                    QuantizedWeight q = new WeightQuantizer(bits, g, bits % 2 == 0, grid, false).quantize(w, out, in);
                    QuantizedWeight back = roundTrip(q);
                    String what = "bits=" + bits + " g=" + g + " " + grid;
                    assertThat(back.codes()).as(what).containsExactly(q.codes());
                    assertThat(back.scales()).as(what).containsExactly(q.scales());
                    assertThat(back.zeros()).as(what).containsExactly(q.zeros());
                    assertThat(back.groupSize()).isEqualTo(q.groupSize());
                    assertThat(back.symmetric()).isEqualTo(q.symmetric());
                }
            }
        }
    }

    @Test
    void oddRowWidthsPadEachRowAndNonIntegerZerosFallBackToF32() throws IOException {
        byte[] codes = {1, 2, 3, 4, 5, 6, 7, 0, 1};
        QuantizedWeight q = new QuantizedWeight(3, 3, 3, 3, false, codes,
                new float[]{0.5f, 1f, 2f}, new float[]{3f, 2.5f, -0f});
        QuantizedWeight back = roundTrip(q);
        assertThat(back.codes()).containsExactly(codes);
        assertThat(back.zeros()).containsExactly(3f, 2.5f, -0f);
    }

    @Test
    void w4g128TakesAtMost014OfF32() throws IOException {
        int out = 64;
        int in = 1024;
        QuantizedWeight q = WeightQuantizer.of(4, 128, false).quantize(gaussian(out * in, 9), out, in);
        double ratio = q.packedBytes() / (4.0 * out * in);
        assertThat(ratio).isLessThanOrEqualTo(0.14).isEqualTo(0.5 / 4 + 5.0 / 128 / 4);
        Path file = dir.resolve("w4.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        QuantizedTensors.write(w, "p", q);
        w.write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            long tensorBytes = st.entries().stream().mapToLong(e -> e.byteSize()).sum();
            assertThat(tensorBytes).isEqualTo(q.packedBytes() + 5 * 4);
        }
        assertThat(Files.size(file)).isLessThan((long) (0.14 * 4 * out * in) + 1024);
    }

    @Test
    void brokenStoredWeightsAreNamed() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        new SafeTensorsWriter()
                .addU8("p.codes", new long[]{1, 2}, new byte[]{0x21, (byte) 0xF0})
                .addF32("p.scales", new long[]{1, 1}, new float[]{1f})
                .addU8("p.zeros", new long[]{1, 1}, new byte[]{8})
                .addI32("p.qmeta", new long[]{5}, new int[]{3, 4, 4, 1, 1})
                .addF32("r.scales", new long[]{1}, new float[]{1f})
                .write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            // 4 codes of 3 bits = 12 bits: the top 4 bits of byte 1 are padding and must be 0
            assertThatThrownBy(() -> QuantizedTensors.read(st, "p")).isInstanceOf(FormatException.class)
                    .hasMessageContaining("p.codes: row 0 has non-zero padding bits");
            assertThatThrownBy(() -> QuantizedTensors.read(st, "r")).isInstanceOf(FormatException.class)
                    .hasMessageContaining("tensor r.codes is missing");
        }
        Path file2 = dir.resolve("bad2.safetensors");
        new SafeTensorsWriter()
                .addU8("p.codes", new long[]{1, 2}, new byte[]{0x21, 0x00})
                .addF32("p.scales", new long[]{2, 1}, new float[]{1f, 1f})
                .addU8("p.zeros", new long[]{1, 1}, new byte[]{8})
                .addI32("p.qmeta", new long[]{5}, new int[]{4, 4, 4, 1, 1})
                .write(file2);
        try (SafeTensorsFile st = SafeTensors.open(file2)) {
            assertThatThrownBy(() -> QuantizedTensors.read(st, "p"))
                    .hasMessageContaining("p.scales: expected F32 [1, 1], found p.scales F32 [2, 1]");
        }
    }
}
