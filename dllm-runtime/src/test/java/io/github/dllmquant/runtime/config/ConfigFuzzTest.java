package io.github.dllmquant.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Mutated config.json and generation_config.json texts (seeded) either parse into a valid config or
 * fail with a {@link ModelFormatException} naming the file; nothing else may escape.
 * {@code -Ddllmq.fuzz.iterations=100000} runs the long version.
 */
class ConfigFuzzTest {

    @Test
    void mutatedModelConfigs() throws Exception {
        int n = JsonMutator.iterations(3000);
        int[] outcomes = new int[2];
        for (Path folder : new Path[]{ModelConfigTest.LLADA, ModelConfigTest.DREAM}) {
            JsonNode original = JsonMutator.parse(Files.readString(folder.resolve("config.json")));
            JsonMutator mutator = new JsonMutator(folder.hashCode());
            Path source = folder.resolve("config.json");
            for (int i = 0; i < n; i++) {
                String text = mutator.mutate(original);
                try {
                    ModelConfig c = ModelConfig.parse(text, source);
                    assertThat(c.heads() % c.kvHeads()).isZero();
                    assertThat(c.maskTokenId()).isBetween(0, c.embeddingSize() - 1);
                    outcomes[0]++;
                } catch (ModelFormatException e) {
                    assertThat(e.getMessage()).startsWith(source.toString());
                    outcomes[1]++;
                } catch (RuntimeException | Error e) {
                    fail("iteration " + i + " escaped with " + e + " for " + text, e);
                }
            }
        }
        // both outcomes must occur, or the mutations are not exercising the parser
        assertThat(outcomes[0]).isPositive();
        assertThat(outcomes[1]).isPositive();
    }

    @Test
    void mutatedGenerationConfigs() throws Exception {
        int n = JsonMutator.iterations(3000);
        for (Path folder : new Path[]{ModelConfigTest.LLADA, ModelConfigTest.DREAM}) {
            Path source = folder.resolve("generation_config.json");
            JsonNode original = JsonMutator.parse(Files.readString(source));
            JsonMutator mutator = new JsonMutator(~folder.hashCode());
            for (int i = 0; i < n; i++) {
                String text = mutator.mutate(original);
                try {
                    GenerationConfig.parse(text, source);
                } catch (ModelFormatException e) {
                    assertThat(e.getMessage()).startsWith(source.toString());
                } catch (RuntimeException | Error e) {
                    fail("iteration " + i + " escaped with " + e + " for " + text, e);
                }
            }
        }
    }
}
