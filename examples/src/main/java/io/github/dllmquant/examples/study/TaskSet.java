package io.github.dllmquant.examples.study;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A generation task family read from a JSON-lines file of {@code {"prompt": ..., "answer": ...}} rows,
 * as the bundled model's {@code tasks/math.jsonl} and {@code tasks/code.jsonl}.
 *
 * @param name     family name, e.g. {@code math}
 * @param examples the rows in file order
 */
public record TaskSet(String name, List<Example> examples) {

    /** One prompt with its expected answer. */
    public record Example(String prompt, String answer) {
    }

    public TaskSet {
        examples = List.copyOf(examples);
    }

    /** Reads {@code file}; every line must be an object with string fields {@code prompt} and {@code answer}. */
    public static TaskSet read(String name, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Example> examples = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode row;
            try {
                row = json.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IOException(file + ":" + (i + 1) + ": not a JSON object: " + e.getOriginalMessage(), e);
            }
            if (row == null || !row.path("prompt").isTextual() || !row.path("answer").isTextual()) {
                throw new IOException(file + ":" + (i + 1) + ": needs string fields \"prompt\" and \"answer\"");
            }
            examples.add(new Example(row.get("prompt").asText(), row.get("answer").asText()));
        }
        if (examples.isEmpty()) {
            throw new IOException(file + ": no examples");
        }
        return new TaskSet(name, examples);
    }

    /** The first {@code n} examples (all when {@code n} is larger). */
    public TaskSet first(int n) {
        return new TaskSet(name, examples.subList(0, Math.min(n, examples.size())));
    }
}
