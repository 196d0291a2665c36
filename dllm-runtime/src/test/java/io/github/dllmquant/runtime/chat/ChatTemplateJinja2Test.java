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
    void messagesAsMaps() {
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{{ m.role }}{% if m.name is defined %}({{ m.name }})"
                + "{% endif %}:{{ m.content }};{% endfor %}", Map.of());
        assertThat(t.renderMessages(List.of(Map.of("role", "user", "content", "hi", "name", "ann"),
                Map.of("role", "assistant", "content", "yo")), false, Map.of())).isEqualTo("user(ann):hi;assistant:yo;");
    }

    /** One template serves concurrent callers with the serial results. */
    @Test
    void concurrentRendering() throws Exception {
        ChatTemplate t = ChatTemplate.of(Files.readAllLines(Path.of("src/test/resources/chat/jinja2_reference.jsonl"))
                .stream().map(l -> {
                    try {
                        return JSON.readTree(l);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).filter(r -> r.get("name").textValue().equals("pymethods")).findFirst().orElseThrow()
                .get("template").textValue(), SPECIALS);
        List<List<ChatMessage>> conversations = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            conversations.add(List.of(ChatMessage.system("sys " + i), ChatMessage.user("a question " + i + "?"),
                    ChatMessage.assistant("oh " + i + "!")));
        }
        List<String> serial = conversations.stream().map(c -> t.render(c, true)).toList();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<String>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (List<ChatMessage> c : conversations) {
                    futures.add(pool.submit(() -> t.render(c, true)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo(serial.get(i % conversations.size()));
            }
        }
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
