package io.github.dllmquant.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** golden/tokenizer.jsonl of both bundled models, reproduced exactly (ids and decoded text). */
class TokenizerGoldenTest {

    static final Path LLADA = Path.of("../examples/models/tiny-llada");
    static final Path DREAM = Path.of("../examples/models/tiny-dream");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void tinyLladaGolden() throws Exception {
        checkGolden(LLADA, 70);
    }

    @Test
    void tinyDreamGolden() throws Exception {
        checkGolden(DREAM, 24);
    }

    private static void checkGolden(Path folder, int expectedRows) throws Exception {
        Tokenizer tok = Tokenizers.load(folder);
        List<JsonNode> rows = readJsonl(folder.resolve("golden/tokenizer.jsonl"));
        assertThat(rows).hasSize(expectedRows);
        for (JsonNode row : rows) {
            String text = row.get("text").textValue();
            int[] expected = ids(row.get("ids"));
            assertThat(tok.encode(text)).as("encode %s", JSON.writeValueAsString(text)).containsExactly(expected);
            // neither bundled tokenizer adds anything (LLaDA: ByteLevel post-processor; Dream: add_bos_token false)
            assertThat(tok.encode(text, true)).as("encode with specials %s", JSON.writeValueAsString(text))
                    .containsExactly(expected);
            assertThat(tok.decode(expected)).as("decode %s", JSON.writeValueAsString(text))
                    .isEqualTo(row.get("decoded").textValue());
        }
    }

    static List<JsonNode> readJsonl(Path file) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                rows.add(JSON.readTree(line));
            }
        }
        return rows;
    }

    static int[] ids(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).intValue();
        }
        return out;
    }
}
