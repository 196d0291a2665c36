package io.github.dllmquant.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real-world chat templates (LLaMA-3, Mistral, Gemma, Zephyr, Qwen, indented multi-line templates,
 * Python string methods, loop controls) rendered exactly as Jinja2 renders them with transformers'
 * settings. The expected texts come from src/test/resources/chat/make_jinja2_reference.py.
 */
class ChatTemplateJinja2Test {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> SPECIALS = Map.of("bos_token", "<s>", "eos_token", "</s>");

    @Test
    void matchesJinja2() throws Exception {
        Path file = Path.of("src/test/resources/chat/jinja2_reference.jsonl");
        int rendered = 0;
        int raised = 0;
        for (String line : Files.readAllLines(file)) {
            JsonNode row = JSON.readTree(line);
            ChatTemplate t = ChatTemplate.of(row.get("template").textValue(), SPECIALS);
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : row.get("messages")) {
                messages.add(new ChatMessage(m.get("role").textValue(), m.get("content").textValue()));
            }
            boolean agp = row.get("add_generation_prompt").booleanValue();
            String label = row.get("name").textValue() + " " + row.get("messages") + " agp=" + agp;
            if (row.has("error")) {
                assertThatThrownBy(() -> t.render(messages, agp)).as(label)
                        .isInstanceOf(ChatTemplateException.class).hasMessage(row.get("error").textValue());
                raised++;
            } else {
                assertThat(t.render(messages, agp)).as(label).isEqualTo(row.get("rendered").textValue());
                rendered++;
            }
        }
        assertThat(rendered).isEqualTo(58);
        assertThat(raised).isEqualTo(6);
    }

    @Test
    void syntaxErrorsAreReported() {
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{{ m.content }}", Map.of());
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x")), false))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("chat template");
    }

    @Test
    void extraVariablesAndGenerationTag() {
        ChatTemplate t = ChatTemplate.of("{{ greeting }}{% for m in messages %}{% generation %}[{{ m.content }}]"
                + "{% endgeneration %}{% endfor %}\n", Map.of());
        assertThat(t.render(List.of(ChatMessage.assistant("a"), ChatMessage.user("b")), false,
                Map.of("greeting", "hi"))).isEqualTo("hi[a][b]");
    }

    @Test
    void strftime() {
        ZonedDateTime t = ZonedDateTime.of(2024, 7, 5, 9, 3, 7, 0, ZoneOffset.UTC);
        assertThat(ChatTemplate.strftime(t, "%d %b %Y")).isEqualTo("05 Jul 2024");
        assertThat(ChatTemplate.strftime(t, "%-d %B %y, %H:%M:%S %A %%")).isEqualTo("5 July 24, 09:03:07 Friday %");
    }

    @Test
    void missingTemplateIsAFormatError() throws Exception {
        Path dir = Files.createTempDirectory("no-template");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        var tokenizer = io.github.dllmquant.runtime.tokenizer.Tokenizers.load(dir);
        assertThatThrownBy(() -> ChatTemplate.of(tokenizer))
                .isInstanceOf(io.github.dllmquant.runtime.config.ModelFormatException.class)
                .hasMessageContaining("chat_template");
    }
}
