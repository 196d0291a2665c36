package io.github.dllmquant.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code dllmq generate} through the command-line entry point: golden outputs and one-line errors. */
class GenerateCommandTest {

    private static final Path LLADA = ModelFolder.bundled();
    private static final Path DREAM = LLADA.resolveSibling("tiny-dream");

    private static List<JsonNode> golden(Path folder) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(folder.resolve("golden/generate.jsonl"))) {
            if (!line.isBlank()) {
                rows.add(json.readTree(line));
            }
        }
        return rows;
    }

    private static String csv(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(","));
    }

    private static String lastLine(String s) {
        String[] lines = s.split("\\R");
        return lines[lines.length - 1];
    }

    @Test
    void lladaGoldenThroughTheCli() throws IOException {
        for (JsonNode row : golden(LLADA).subList(0, 4)) {
            DllmqTest.Run r = DllmqTest.run("generate", "--prompt-ids", csv(row.get("prompt_ids")),
                    "--steps", row.get("steps").asText(), "--gen-length", row.get("gen_length").asText(),
                    "--block-length", row.get("block_length").asText(), "--temperature", "0",
                    "--remasking", row.get("remasking").asText(), "--print-ids");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(lastLine(r.out())).isEqualTo("ids: " + csv(row.get("output_ids")));
            assertThat(r.err()).contains("forward passes").contains("tokens/s");
        }
    }

    @Test
    void dreamGoldenThroughTheCli() throws IOException {
        for (JsonNode row : golden(DREAM).subList(0, 3)) {
            DllmqTest.Run r = DllmqTest.run("generate", "--model", DREAM.toString(), "--prompt-ids",
                    csv(row.get("prompt_ids")), "--steps", row.get("steps").asText(), "--gen-length",
                    row.get("max_new_tokens").asText(), "--alg", row.get("alg").asText(), "--print-ids");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(lastLine(r.out())).isEqualTo("ids: " + csv(row.get("output_ids")));
        }
    }

    @Test
    void textPromptOnTheDefaultModelPrintsTheCompletion() {
        DllmqTest.Run r = DllmqTest.run("generate", "--prompt", "66-3=", "--steps", "8", "--gen-length", "8");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("64" + System.lineSeparator());
        assertThat(r.err()).contains("8 forward passes");
    }

    @Test
    void cacheRefreshedEveryStepPrintsTheUncachedCompletion() {
        for (String model : new String[] {LLADA.toString(), DREAM.toString()}) {
            DllmqTest.Run plain = DllmqTest.run("generate", "--model", model, "--prompt-ids", "1,40,41,42,43", "--steps",
                    "8", "--gen-length", "8", "--print-ids");
            DllmqTest.Run cached = DllmqTest.run("generate", "--model", model, "--prompt-ids", "1,40,41,42,43", "--steps",
                    "8", "--gen-length", "8", "--cache", "dual", "--cache-refresh", "steps:1", "--print-ids");
            assertThat(cached.code()).as(cached.err()).isZero();
            assertThat(lastLine(cached.out())).isEqualTo(lastLine(plain.out()));
        }
    }

    @Test
    void chatWrapsThePromptInTheTemplate() {
        DllmqTest.Run r = DllmqTest.run("generate", "--prompt", "37+48=", "--chat", "--steps", "4", "--gen-length",
                "4", "--print-ids");
        assertThat(r.code()).as(r.err()).isZero();
        // golden/chat.jsonl: the rendered conversation's ids start the sequence
        assertThat(lastLine(r.out())).startsWith("ids: 1018,1021,428,280,1022,278,51,55,43,52,56,61,1023,1021,877,651,"
                + "488,1022,278,");
    }

    @Test
    void badUsageIsOneLineWithExitCodeTwo() {
        expectUsageError("dllmq generate: Error: --prompt=TEXT, --prompt-ids=IDS are mutually exclusive (specify only one)",
                "generate", "--prompt", "a", "--prompt-ids", "1");
        expectUsageError("Missing required argument", "generate");
        expectUsageError("unknown remasking 'lowest', expected one of low_confidence, random",
                "generate", "--prompt", "a", "--remasking", "lowest");
        expectUsageError("unknown Dream algorithm 'best', expected one of origin, maskgit_plus, topk_margin, entropy",
                "generate", "--prompt", "a", "--alg", "best");
        expectUsageError("'x' is not an int", "generate", "--prompt-ids", "1,x");
        expectUsageError("genLength 10 is not divisible by blockLength 4",
                "generate", "--prompt", "a", "--gen-length", "10", "--block-length", "4", "--steps", "10");
        expectUsageError("--alg does not apply to a llada model", "generate", "--prompt", "a", "--alg", "entropy");
        expectUsageError("--threshold does not apply to a Dream model",
                "generate", "--model", DREAM.toString(), "--prompt", "a", "--threshold", "0.9");
        expectUsageError("cache refresh must be block, steps:K or committed:F, got 'sometimes'",
                "generate", "--prompt", "a", "--cache", "dual", "--cache-refresh", "sometimes");
        expectUsageError("--chat wraps a text prompt", "generate", "--prompt-ids", "1,2", "--chat");
        expectUsageError("Unknown option: '--bogus'", "generate", "--prompt", "a", "--bogus");
        expectUsageError("exceeds the model's maximum sequence length 1024",
                "generate", "--prompt", "a", "--gen-length", "2048", "--steps", "2048");
    }

    @Test
    void missingAndBrokenModelFoldersAreOneLine(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        expectUsageError("model folder /nonexistent/model does not exist or is not a directory",
                "generate", "--model", "/nonexistent/model", "--prompt", "a");
        expectUsageError("has no config.json", "generate", "--model", tmp.toString(), "--prompt", "a");
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        DllmqTest.Run r = DllmqTest.run("generate", "--model", tmp.toString(), "--prompt", "a");
        assertThat(r.code()).isEqualTo(Dllmq.EXIT_FAILURE);
        assertThat(r.err()).startsWith("dllmq generate: ").hasLineCount(1).doesNotContain("Exception");
    }

    private static void expectUsageError(String expected, String... args) {
        DllmqTest.Run r = DllmqTest.run(args);
        assertThat(r.code()).as("exit code of %s, stderr %s", List.of(args), r.err()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(r.err()).as("stderr of %s", List.of(args)).contains(expected).hasLineCount(1)
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }
}
