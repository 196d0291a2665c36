package io.github.dllmquant.core.format;

import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.SafeTensorsException;
import io.github.dllmquant.core.safetensors.SafeTensorsFile;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.safetensors.TensorSource;
import io.github.dllmquant.core.tensor.DType;
import io.github.dllmquant.core.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Structural fuzzing of the quantized-checkpoint readers ({@link QuantizedTensors}, {@link GptqFormat}):
 * starting from valid stored layers, tensors are removed, given other dtypes or shapes, or filled with
 * random bytes (each still a well-formed tensor). The only exceptions allowed are {@link FormatException}
 * and {@link SafeTensorsException}. Iterations: {@code dllmq.fuzz.iterations} (default 20,000).
 */
class FormatReadersFuzzTest {

    private static final DType[] DTYPES = {DType.U8, DType.I8, DType.I32, DType.F16, DType.BF16, DType.F32, DType.I64};

    @TempDir
    Path dir;

    /** Tensors held on the heap, so each iteration costs no file I/O. */
    private record HeapSource(Map<String, TensorView> tensors) implements TensorSource {
        @Override
        public Set<String> names() {
            return tensors.keySet();
        }

        @Override
        public TensorView tensor(String name) throws SafeTensorsException {
            TensorView t = tensors.get(name);
            if (t == null) {
                throw new SafeTensorsException("heap: tensor \"" + name + "\": no such tensor");
            }
            return t;
        }

        @Override
        public boolean contains(String name) {
            return tensors.containsKey(name);
        }

        @Override
        public Map<String, String> metadata() {
            return Map.of();
        }

        @Override
        public void close() {
        }
    }

    private Map<String, TensorView> load(SafeTensorsWriter w) throws IOException {
        Path file = dir.resolve("layer.safetensors");
        w.write(file);
        Map<String, TensorView> heap = new TreeMap<>();
        try (SafeTensorsFile st = SafeTensors.open(file)) {
            for (String name : st.names()) {
                TensorView t = st.tensor(name);
                heap.put(name, new TensorView(name, t.dtype(), t.shape(), MemorySegment.ofArray(t.toByteArray())));
            }
        }
        return heap;
    }

    @Test
    void mutatedLayersOnlyEverThrowFormatErrors() throws IOException {
        int iterations = Integer.getInteger("dllmq.fuzz.iterations", 20_000);
        SplittableRandom rnd = new SplittableRandom(Long.getLong("dllmq.fuzz.seed", 20261126L) + 2);
        float[] w = QuantizedTensorsTest.gaussian(32 * 64, 4);
        QuantizedWeight q4 = WeightQuantizer.of(4, 16, false).quantize(w, 32, 64);
        QuantizedWeight q3 = WeightQuantizer.of(3, 32, true).quantize(w, 32, 64);
        SafeTensorsWriter writer = new SafeTensorsWriter();
        QuantizedTensors.write(writer, "n4", q4);
        QuantizedTensors.write(writer, "n3", q3);
        GptqFormat.write(writer, "g4", q4);
        GptqFormat.write(writer, "g3", q3);
        Map<String, TensorView> valid = load(writer);
        GptqConfig[] configs = {GptqConfig.of(4, 16, false, false, 0.01), GptqConfig.of(3, 32, true, false, 0.01),
                new GptqConfig(4, -1, true, true, 0.01, GptqConfig.V1, "gptqmodel:4.0.0"), GptqConfig.of(8, 64, false, false, 0.01)};
        String[] prefixes = {"n4", "n3", "g4", "g3"};
        int failures = 0;
        for (int it = 0; it < iterations; it++) {
            Map<String, TensorView> tensors = new TreeMap<>(valid);
            String mutated = mutate(tensors, rnd);
            String prefix = prefixes[rnd.nextInt(prefixes.length)];
            HeapSource src = new HeapSource(tensors);
            try {
                if (prefix.startsWith("n")) {
                    QuantizedWeight back = QuantizedTensors.read(src, prefix);
                    assertThat(back.codes()).hasSize(back.out() * back.in());
                } else {
                    GptqFormat.Layer back = GptqFormat.read(src, prefix, configs[rnd.nextInt(configs.length)]);
                    assertThat(back.weight().codes()).hasSize(back.weight().out() * back.weight().in());
                }
            } catch (FormatException | SafeTensorsException expected) {
                assertThat(expected.getMessage()).isNotBlank();
                failures++;
            } catch (Throwable t) {
                fail("iteration " + it + " reading " + prefix + " after mutating " + mutated + ": " + t, t);
            }
        }
        assertThat(failures).isPositive().isLessThan(iterations);
    }

    @Test
    void mutatedGptqConfigsOnlyEverThrowFormatException() throws IOException {
        int iterations = Integer.getInteger("dllmq.fuzz.iterations", 20_000);
        SplittableRandom rnd = new SplittableRandom(Long.getLong("dllmq.fuzz.seed", 20261126L) + 3);
        byte[] seed = ("{\"bits\": 4, \"group_size\": 128, \"sym\": false, \"desc_act\": true, \"damp_percent\": 0.05,"
                + " \"checkpoint_format\": \"gptq_v2\", \"quant_method\": \"gptq\", \"meta\": {\"quantizer\": [\"gptqmodel:4.0.0\"]}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] alphabet = "{}[]\":,-.0123456789 truefalsnl_".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Path file = dir.resolve(GptqConfig.FILE);
        int accepted = 0;
        for (int it = 0; it < iterations; it++) {
            byte[] input = seed.clone();
            for (int r = 0, rounds = 1 + rnd.nextInt(3); r < rounds; r++) {
                input[rnd.nextInt(input.length)] = rnd.nextBoolean() ? alphabet[rnd.nextInt(alphabet.length)] : (byte) rnd.nextInt(256);
            }
            java.nio.file.Files.write(file, input);
            try {
                GptqConfig c = GptqConfig.read(dir);
                assertThat(c.bits()).isIn(2, 3, 4, 8);
                accepted++;
            } catch (FormatException expected) {
                assertThat(expected.getMessage()).contains(GptqConfig.FILE);
            } catch (Throwable t) {
                fail("config iteration " + it + " threw " + t + " for " + new String(input, java.nio.charset.StandardCharsets.UTF_8), t);
            }
        }
        assertThat(accepted).isPositive().isLessThan(iterations);
    }

    private static String mutate(Map<String, TensorView> tensors, SplittableRandom rnd) {
        String[] names = tensors.keySet().toArray(String[]::new);
        String name = names[rnd.nextInt(names.length)];
        TensorView t = tensors.get(name);
        switch (rnd.nextInt(5)) {
            case 0 -> tensors.remove(name);
            case 1 -> { // random bytes, same dtype and shape
                byte[] b = new byte[(int) t.data().byteSize()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) rnd.nextInt(256);
                }
                tensors.put(name, new TensorView(name, t.dtype(), t.shape(), MemorySegment.ofArray(b)));
            }
            case 2 -> { // a few random bytes in place
                byte[] b = t.toByteArray();
                for (int k = 0; k < 3 && b.length > 0; k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                tensors.put(name, new TensorView(name, t.dtype(), t.shape(), MemorySegment.ofArray(b)));
            }
            case 3 -> { // other dtype, shape kept when the bytes allow
                DType d = DTYPES[rnd.nextInt(DTYPES.length)];
                long[] shape = t.shape();
                tensors.put(name, new TensorView(name, d, shape, MemorySegment.ofArray(new byte[(int) d.bytesFor(t.elementCount())])));
            }
            default -> { // other shape: random small dims, possibly zero, possibly scalar
                int rank = rnd.nextInt(4);
                long[] shape = new long[rank];
                long n = 1;
                for (int i = 0; i < rank; i++) {
                    shape[i] = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 130);
                    n *= shape[i];
                }
                byte[] b = new byte[(int) t.dtype().bytesFor(Math.min(n, 1 << 16))];
                if (n <= 1 << 16) {
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) rnd.nextInt(256);
                    }
                    tensors.put(name, new TensorView(name, t.dtype(), shape, MemorySegment.ofArray(b)));
                }
            }
        }
        return name;
    }
}
