package io.github.dllmquant.runtime.likelihood;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dllmquant.runtime.model.DiffusionLm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Masked NLL against golden/masked_nll.jsonl of both bundled models to 1e-3 relative (Dream scored
 * on its shifted logits, as the golden file was).
 */
class GoldenMaskedNllTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void maskedNllMatchesTheReference(String name) throws Exception {
        Path folder = Path.of("../examples/models", name);
        List<String> lines = Files.readAllLines(folder.resolve("golden/masked_nll.jsonl"));
        assertThat(lines).isNotEmpty();
        ObjectMapper json = new ObjectMapper();
        try (DiffusionLm model = DiffusionLm.load(folder)) {
            MaskedNll nll = new MaskedNll(model);
            for (String line : lines) {
                JsonNode row = json.readTree(line);
                int[] ids = json.treeToValue(row.get("ids"), int[].class);
                int[] masked = json.treeToValue(row.get("masked_positions"), int[].class);
                double expected = row.get("nll_sum").asDouble();
                NllResult result = nll.score(ids, masked);
                System.out.printf("%s: nll %.6f expected %.6f (%d masked)%n", name, result.nllSum(), expected,
                        result.maskedCount());
                assertThat(result.maskedCount()).isEqualTo(row.get("masked_count").asLong());
                assertThat(result.nllSum()).isCloseTo(expected, within(1e-3 * Math.abs(expected)));
            }
        }
    }
}
