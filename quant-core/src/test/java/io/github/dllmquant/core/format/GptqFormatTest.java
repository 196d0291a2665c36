package io.github.dllmquant.core.format;

import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.SafeTensorsFile;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.tensor.F16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GptqFormatTest {

    @TempDir
    Path dir;

    /** A weight with the given codes (o, i) → code, one scale per group, zero z(o, g). */
    private static QuantizedWeight weight(int out, int in, int bits, int g, boolean sym,
                                          java.util.function.IntBinaryOperator code,
                                          java.util.function.IntBinaryOperator zero) {
        byte[] codes = new byte[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                codes[o * in + i] = (byte) code.applyAsInt(o, i);
            }
        }
        int groups = in / g;
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < groups; k++) {
                scales[o * groups + k] = 0.01f * (o + 1) + 0.001f * k;
                zeros[o * groups + k] = zero.applyAsInt(o, k);
            }
        }
        return new QuantizedWeight(out, in, bits, g, sym, codes, scales, zeros);
    }

    private Path save(String prefix, QuantizedWeight q) throws IOException {
        Path file = dir.resolve("gptq.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        GptqFormat.write(w, prefix, q);
        w.write(file);
        return file;
    }

    @Test
    void symmetric4BitWordsByHand() throws IOException {
        QuantizedWeight q = weight(8, 32, 4, 16, true, (o, i) -> i % 16, (o, k) -> 8);
        Path file = save("l", q);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThat(st.tensor("l.qzeros").toIntArray()).containsOnly(0x77777777).hasSize(2);
            int[] qweight = st.tensor("l.qweight").toIntArray();
            assertThat(st.tensor("l.qweight").shape()).containsExactly(4, 8);
            for (int o = 0; o < 8; o++) {
                assertThat(qweight[o]).isEqualTo(0x76543210);
                assertThat(qweight[8 + o]).isEqualTo(0xFEDCBA98);
            }
            assertThat(st.tensor("l.g_idx").toIntArray()).startsWith(0, 0).endsWith(1, 1);
            assertThat(st.tensor("l.scales").getFloat(1)).isEqualTo(F16.round(0.02f));
            GptqFormat.Layer back = GptqFormat.read(st, "l", GptqConfig.of(4, 16, true, false, 0.01));
            assertThat(back.perm()).isNull();
            assertThat(back.weight().codes()).containsExactly(q.codes());
            assertThat(back.weight().zeros()).containsOnly(8f);
            for (int k = 0; k < q.scales().length; k++) {
                assertThat(back.weight().scales()[k]).isEqualTo(F16.round(q.scales()[k]));
            }
        }
    }

    @Test
    void symmetricZeroWordsFor2And8Bits() throws IOException {
        try (SafeTensorsFile st = SafeTensors.open(save("a", weight(16, 32, 2, 32, true, (o, i) -> i % 4, (o, k) -> 2)))) {
            assertThat(st.tensor("a.qzeros").toIntArray()).containsExactly(0x55555555);
        }
        try (SafeTensorsFile st = SafeTensors.open(save("b", weight(4, 8, 8, 8, true, (o, i) -> 250 - i, (o, k) -> 128)))) {
            assertThat(st.tensor("b.qzeros").toIntArray()).containsExactly(0x7F7F7F7F);
            assertThat(st.tensor("b.qweight").toIntArray()[0]).isEqualTo(0xF7F8F9FA); // inputs 0..3 = 250..247, low byte first
        }
    }

    /** The 3-bit layout of ptq-methods.md §9.1 written out field by field. */
    private static int[] threeBitWords(int[] c) {
        int w0 = 0;
        for (int j = 0; j < 10; j++) {
            w0 |= c[j] << (3 * j);
        }
        w0 |= (c[10] & 3) << 30;
        int w1 = (c[10] >> 2) & 1;
        for (int j = 0; j < 10; j++) {
            w1 |= c[11 + j] << (3 * j + 1);
        }
        w1 |= (c[21] & 1) << 31;
        int w2 = (c[21] >> 1) & 3;
        for (int j = 0; j < 10; j++) {
            w2 |= c[22 + j] << (3 * j + 2);
        }
        return new int[]{w0, w1, w2};
    }

    @Test
    void threeBitLayoutIs10_1_10_1_10() throws IOException {
        QuantizedWeight q = weight(32, 32, 3, 32, false, (o, i) -> (5 * i + o) % 8, (o, k) -> (o * 3) % 8);
        try (SafeTensorsFile st = SafeTensors.open(save("t", q))) {
            int[] qweight = st.tensor("t.qweight").toIntArray();
            assertThat(st.tensor("t.qweight").shape()).containsExactly(3, 32);
            for (int o : new int[]{0, 7, 31}) {
                int[] c = new int[32];
                for (int i = 0; i < 32; i++) {
                    c[i] = (5 * i + o) % 8;
                }
                assertThat(new int[]{qweight[o], qweight[32 + o], qweight[64 + o]}).as("column " + o)
                        .containsExactly(threeBitWords(c));
            }
            int[] z = new int[32];
            for (int o = 0; o < 32; o++) {
                z[o] = (o * 3) % 8; // asymmetric → gptq_v2: z stored as is
            }
            assertThat(st.tensor("t.qzeros").toIntArray()).containsExactly(threeBitWords(z));
            GptqFormat.Layer back = GptqFormat.read(st, "t", GptqConfig.of(3, -1, false, false, 0.01));
            assertThat(back.weight().codes()).containsExactly(q.codes());
            assertThat(back.weight().zeros()).containsExactly(q.zeros());
        }
    }

    @Test
    void asymmetricRoundTripThroughV2KeepsZeroZeros() throws IOException {
        float[] w = QuantizedTensorsTest.gaussian(64 * 128, 11);
        for (int i = 0; i < 128; i++) {
            w[i] = Math.abs(w[i]); // row 0 without negatives: z = 0
        }
        for (int bits : new int[]{2, 3, 4, 8}) {
            QuantizedWeight q = WeightQuantizer.of(bits, 32, false).quantize(w, 64, 128);
            try (SafeTensorsFile st = SafeTensors.open(save("x", q))) {
                GptqFormat.Layer back = GptqFormat.read(st, "x", GptqConfig.of(bits, 32, false, false, 0.01));
                assertThat(back.weight().codes()).as("bits " + bits).containsExactly(q.codes());
                assertThat(back.weight().zeros()).as("bits " + bits).containsExactly(q.zeros());
                assertThat(q.zeros()[0]).isZero();
            }
        }
    }

    @Test
    void symmetricV2ZerosLabelledGptqAreDetected() throws IOException {
        QuantizedWeight q = weight(8, 32, 4, 32, true, (o, i) -> i % 16, (o, k) -> 8);
        Path file = dir.resolve("mislabelled.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        GptqFormat.write(w, "m", q, null, GptqConfig.V2);
        w.write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThat(st.tensor("m.qzeros").toIntArray()).containsExactly(0x88888888);
            GptqFormat.Layer back = GptqFormat.read(st, "m", GptqConfig.of(4, 32, true, false, 0.01)); // says "gptq"
            assertThat(back.weight().zeros()).containsOnly(8f);
        }
    }

    @Test
    void gptqModelV1BorrowsAreUndoneWordWise() throws IOException {
        int[] z = {0, 5, 0, 0, 3, 1, 2, 15};
        int v2 = 0;
        for (int j = 0; j < 8; j++) {
            v2 |= z[j] << (4 * j);
        }
        int v1 = v2 - 0x11111111; // GPTQModel's v2 → v1: borrows from the field above each z = 0
        Path file = dir.resolve("v1.safetensors");
        new SafeTensorsWriter()
                .addI32("p.qweight", new long[]{1, 8}, new int[8])
                .addI32("p.qzeros", new long[]{1, 1}, new int[]{v1})
                .addF16("p.scales", new long[]{1, 8}, new float[]{1, 1, 1, 1, 1, 1, 1, 1})
                .addI32("p.g_idx", new long[]{8}, new int[8])
                .write(file);
        GptqConfig gptqModel = new GptqConfig(4, -1, false, false, 0.05, GptqConfig.V1, "gptqmodel:4.2.0");
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            float[] zeros = GptqFormat.read(st, "p", gptqModel).weight().zeros();
            assertThat(zeros).containsExactly(0, 5, 0, 0, 3, 1, 2, 15);
            float[] perField = GptqFormat.read(st, "p", gptqModel.withCheckpointFormat(GptqConfig.V1)
                    .withQuantizerUnknown()).weight().zeros();
            assertThat(perField[0]).isZero();
            assertThat(perField[1]).as("the borrow is visible per field").isEqualTo(4f);
        }
        assertThat(GptqFormat.packedOnes(4)).isEqualTo(0x11111111);
        assertThat(GptqFormat.packedOnes(8)).isEqualTo(0x01010101);
        assertThat(GptqFormat.packedOnes(2)).isEqualTo(0x55555555);
    }

    @Test
    void actOrderPermutationRoundTrips() throws IOException {
        int in = 32;
        int[] perm = new int[in];
        for (int j = 0; j < in; j++) {
            perm[j] = (j * 7 + 3) % in; // 7 is coprime with 32
        }
        QuantizedWeight q = weight(8, in, 4, 8, false, (o, j) -> (o + 3 * j) % 16, (o, k) -> (o + k) % 16);
        Path file = dir.resolve("act.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        GptqFormat.write(w, "a", q, perm, GptqConfig.V2);
        w.write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            int[] gIdx = st.tensor("a.g_idx").toIntArray();
            for (int j = 0; j < in; j++) {
                assertThat(gIdx[perm[j]]).isEqualTo(j / 8);
            }
            GptqFormat.Layer back = GptqFormat.read(st, "a", GptqConfig.of(4, 8, false, true, 0.01));
            // columns come back grouped by g_idx, inputs ascending within a group
            for (int j = 0; j < in; j++) {
                int i = back.perm()[j];
                assertThat(gIdx[i]).isEqualTo(j / 8);
                int original = java.util.stream.IntStream.range(0, in).filter(k -> perm[k] == i).findFirst().orElseThrow();
                for (int o = 0; o < 8; o++) {
                    assertThat(back.weight().code(o, j)).isEqualTo(q.code(o, original));
                }
            }
        }
    }

    @Test
    void writerRejectsWhatTheFormatCannotHold() {
        SafeTensorsWriter w = new SafeTensorsWriter();
        assertThatThrownBy(() -> GptqFormat.write(w, "x", weight(8, 32, 5, 32, true, (o, i) -> 0, (o, k) -> 16)))
                .hasMessageContaining("2, 3, 4 or 8 bits, not 5");
        assertThatThrownBy(() -> GptqFormat.write(w, "x", weight(3, 32, 4, 32, true, (o, i) -> 0, (o, k) -> 8)))
                .hasMessageContaining("multiples of 32");
        QuantizedWeight huge = new QuantizedWeight(8, 8, 4, 8, true, new byte[64], new float[]{1e6f, 1, 1, 1, 1, 1, 1, 1}, new float[8]);
        assertThatThrownBy(() -> GptqFormat.write(w, "h", huge)).hasMessageContaining("does not fit F16");
    }

    @Test
    void readerNamesBrokenTensors() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        new SafeTensorsWriter()
                .addI32("p.qweight", new long[]{1, 8}, new int[8])
                .addI32("p.qzeros", new long[]{2, 1}, new int[2])
                .addF16("p.scales", new long[]{1, 8}, new float[8])
                .addI32("p.g_idx", new long[]{8}, new int[]{0, 0, 0, 0, 0, 0, 0, 9})
                .write(file);
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            assertThatThrownBy(() -> GptqFormat.read(st, "p", GptqConfig.of(4, -1, true, false, 0.01)))
                    .isInstanceOf(FormatException.class).hasMessageContaining("p.qzeros: expected I32 [1, 1]");
            assertThatThrownBy(() -> GptqFormat.read(st, "q", GptqConfig.of(4, -1, true, false, 0.01)))
                    .hasMessageContaining("\"q.qweight\": no such tensor");
        }
    }

    @Test
    void configReadsAliasesAndWritesWhatLoadersExpect() throws IOException {
        GptqConfig c = GptqConfig.of(4, 128, false, true, 0.05);
        c.write(dir);
        String json = Files.readString(dir.resolve("quantize_config.json"));
        assertThat(json).contains("\"bits\" : 4", "\"group_size\" : 128", "\"sym\" : false", "\"desc_act\" : true",
                "\"checkpoint_format\" : \"gptq_v2\"", "\"quant_method\" : \"gptq\"");
        assertThat(GptqConfig.read(dir)).isEqualTo(c);

        Path hf = Files.createDirectory(dir.resolve("hf"));
        Files.writeString(hf.resolve("config.json"), "{\"model_type\":\"llama\",\"quantization_config\":"
                + "{\"w_bit\":3,\"q_group_size\":-1,\"quant_method\":\"gptq\","
                + "\"meta\":{\"quantizer\":[\"gptqmodel:4.0.0\"]}}}");
        GptqConfig read = GptqConfig.read(hf);
        assertThat(read.bits()).isEqualTo(3);
        assertThat(read.groupSize()).isEqualTo(-1);
        assertThat(read.symmetric()).as("missing sym means true").isTrue();
        assertThat(read.v1()).isTrue();
        assertThat(read.quantizer()).isEqualTo("gptqmodel:4.0.0");

        Files.writeString(hf.resolve("config.json"), "{\"quantization_config\":{\"bits\":5,\"group_size\":128}}");
        assertThatThrownBy(() -> GptqConfig.read(hf)).isInstanceOf(FormatException.class)
                .hasMessageContaining("config.json").hasMessageContaining("bits must be 2, 3, 4 or 8, got 5");
        Files.writeString(hf.resolve("config.json"), "{\"quantization_config\":{\"quant_method\":\"awq\",\"bits\":4,\"group_size\":128}}");
        assertThatThrownBy(() -> GptqConfig.read(hf)).hasMessageContaining("quant_method is \"awq\"");
    }
}
