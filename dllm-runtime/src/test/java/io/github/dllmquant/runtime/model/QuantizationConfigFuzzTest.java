package io.github.dllmquant.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.dllmquant.runtime.config.JsonMutator;
import io.github.dllmquant.runtime.config.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of the native quantized checkpoint's quantization_config.json (every layer kind,
 * activation quantizers and online transforms, from {@link SaveLoadTest#quantizeInPlace}): the parser only
 * ever throws {@link ModelFormatException} naming the file; every 500th mutated config that parses is also
 * loaded with the folder's tensors, where a mismatch must again be a {@link ModelFormatException} (or load).
 * Iterations: {@code dllmq.fuzz.iterations} (100,000 in the full run).
 */
class QuantizationConfigFuzzTest {

    @TempDir
    Path tmp;

    @Test
    void mutatedQuantizationConfigsOnlyEverThrowModelFormatException() throws IOException {
        Path folder = tmp.resolve("quantized");
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/tiny-llada"))) {
            SaveLoadTest.quantizeInPlace(model);
            model.save(folder);
        }
        Path file = folder.resolve(QuantizationConfig.FILE);
        JsonNode original = JsonMutator.parse(Files.readString(file));
        Path mutated = tmp.resolve("mutated.json");
        int iterations = JsonMutator.iterations(20_000);
        JsonMutator mutator = new JsonMutator(11);
        int parsed = 0;
        int rejected = 0;
        int loads = 0;
        for (int i = 0; i < iterations; i++) {
            String text = mutator.mutate(original);
            try {
                QuantizationConfig.parse(text, mutated);
                parsed++;
            } catch (ModelFormatException e) {
                assertThat(e.getMessage()).as("iteration %d", i).startsWith(mutated.toString());
                rejected++;
                continue;
            } catch (RuntimeException | Error e) {
                fail("iteration " + i + " escaped with " + e + "\n" + text, e);
            }
            if (parsed % 500 == 1) {
                Files.write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)); // lone surrogates become '?'
                loads++;
                try (DiffusionLm loaded = DiffusionLm.load(folder)) {
                    assertThat(loaded.blockCount()).isPositive();
                } catch (ModelFormatException e) {
                    assertThat(e.getMessage()).as("iteration %d", i).contains(folder.toString());
                } catch (IOException | RuntimeException | Error e) {
                    fail("iteration " + i + ": loading the folder escaped with " + e + "\n" + text, e);
                }
            }
        }
        System.out.printf("QuantizationConfigFuzzTest: %d mutations, %d parsed, %d rejected, %d folder loads%n",
                iterations, parsed, rejected, loads);
        assertThat(parsed).isPositive();
        assertThat(rejected).isPositive();
    }
}
