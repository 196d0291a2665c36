package io.github.dllmquant.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** golden/chat.jsonl of both bundled models: rendered text and ids, exactly. */
class ChatTemplateGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void tinyLladaGolden() throws Exception {
        check(Path.of("../examples/models/tiny-llada"), 6);
    }

    @Test
    void tinyDreamGolden() throws Exception {
        check(Path.of("../examples/models/tiny-dream"), 2);
    }

    private static void check(Path folder, int expectedRows) throws Exception {
        Tokenizer tokenizer = Tokenizers.load(folder);
        ChatTemplate template = ChatTemplate.of(tokenizer);
        int rows = 0;
        for (String line : Files.readAllLines(folder.resolve("golden/chat.jsonl"))) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode row = JSON.readTree(line);
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : row.get("messages")) {
                messages.add(new ChatMessage(m.get("role").textValue(), m.get("content").textValue()));
            }
            boolean addPrompt = row.get("add_generation_prompt").booleanValue();
            assertThat(template.render(messages, addPrompt)).as(line).isEqualTo(row.get("rendered").textValue());
            int[] ids = new int[row.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = row.get("ids").get(i).intValue();
            }
            assertThat(template.encode(messages, addPrompt)).as(line).containsExactly(ids);
            rows++;
        }
        assertThat(rows).isEqualTo(expectedRows);
    }
}
