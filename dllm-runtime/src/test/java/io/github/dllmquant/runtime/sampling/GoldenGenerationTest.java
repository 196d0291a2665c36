package io.github.dllmquant.runtime.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dllmquant.runtime.model.DiffusionLm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The samplers on the bundled models reproduce golden/generate.jsonl (an independent PyTorch run of
 * the reference generate() / diffusion_generate()) token for token.
 */
class GoldenGenerationTest {

    private static final Path LLADA = Path.of("../examples/models/tiny-llada");
    private static final Path DREAM = Path.of("../examples/models/tiny-dream");
    private static DiffusionLm llada;
    private static DiffusionLm dream;

    @BeforeAll
    static void load() throws IOException {
        llada = DiffusionLm.load(LLADA);
        dream = DiffusionLm.load(DREAM);
    }

    @AfterAll
    static void close() {
        llada.close();
        dream.close();
    }

    static List<JsonNode> rows(Path folder) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(folder.resolve("golden/generate.jsonl"))) {
            if (!line.isBlank()) {
                rows.add(json.readTree(line));
            }
        }
        return rows;
    }

    static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asInt();
        }
        return v;
    }

    @Test
    void lladaGreedyGenerationMatchesGolden() throws IOException {
        List<JsonNode> rows = rows(LLADA);
        assertThat(rows).hasSize(12);
        for (JsonNode row : rows) {
            LladaSampling s = Sampling.llada().steps(row.get("steps").asInt()).genLength(row.get("gen_length").asInt())
                    .blockLength(row.get("block_length").asInt()).temperature(row.get("temperature").asDouble())
                    .remasking(Remasking.fromName(row.get("remasking").asText())).seed(0).build();
            SamplerOutput out = s.newSampler(llada.config().maskTokenId()).sample(llada::logits,
                    ints(row.get("prompt_ids")));
            assertThat(out.ids()).as("golden row %s", row).containsExactly(ints(row.get("output_ids")));
        }
    }

    @Test
    void thresholdOneReproducesTheGoldenOneTokenPerStepRows() throws IOException {
        int checked = 0;
        for (JsonNode row : rows(LLADA)) {
            if (row.get("steps").asInt() != row.get("gen_length").asInt()) {
                continue;
            }
            LladaSampling s = Sampling.llada().steps(row.get("steps").asInt()).genLength(row.get("gen_length").asInt())
                    .blockLength(row.get("block_length").asInt()).threshold(1.0).seed(0).build();
            SamplerOutput out = s.newSampler(llada.config().maskTokenId()).sample(llada::logits,
                    ints(row.get("prompt_ids")));
            assertThat(out.ids()).as("golden row %s", row).containsExactly(ints(row.get("output_ids")));
            assertThat(out.steps()).isEqualTo(row.get("steps").asInt());
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(4);
    }

    @Test
    void dreamGreedyGenerationMatchesGolden() throws IOException {
        List<JsonNode> rows = rows(DREAM);
        assertThat(rows).hasSize(9);
        for (JsonNode row : rows) {
            DreamSampling s = Sampling.dream().steps(row.get("steps").asInt())
                    .genLength(row.get("max_new_tokens").asInt())
                    .algorithm(DreamAlgorithm.fromName(row.get("alg").asText()))
                    .algTemp(row.get("alg_temp").asDouble()).temperature(row.get("temperature").asDouble())
                    .eps(row.get("eps").asDouble()).seed(0).build();
            SamplerOutput out = s.newSampler(dream.config().maskTokenId()).sample(dream::logits,
                    ints(row.get("prompt_ids")));
            assertThat(out.ids()).as("golden row %s", row).containsExactly(ints(row.get("output_ids")));
        }
    }
}
