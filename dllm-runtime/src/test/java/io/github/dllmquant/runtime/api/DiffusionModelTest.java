package io.github.dllmquant.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dllmquant.runtime.chat.ChatMessage;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.sampling.CancellationToken;
import io.github.dllmquant.runtime.sampling.DreamAlgorithm;
import io.github.dllmquant.runtime.sampling.DreamSampling;
import io.github.dllmquant.runtime.sampling.GenerationCancelledException;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.Remasking;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.sampling.StepEvent;
import io.github.dllmquant.runtime.sampling.StepListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The fluent API on the bundled models: golden outputs, chat, text cutting, concurrency, scoring. */
class DiffusionModelTest {

    static final Path LLADA = Path.of("../examples/models/tiny-llada");
    static final Path DREAM = Path.of("../examples/models/tiny-dream");
    private static DiffusionModel llada;
    private static DiffusionModel dream;

    @BeforeAll
    static void load() throws IOException {
        llada = DiffusionModel.load(LLADA);
        dream = DiffusionModel.load(DREAM);
    }

    @AfterAll
    static void close() {
        llada.close();
        dream.close();
    }

    static List<JsonNode> jsonl(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
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

    static LladaSampling lladaSampling(JsonNode row) {
        return Sampling.llada().steps(row.get("steps").asInt()).genLength(row.get("gen_length").asInt())
                .blockLength(row.get("block_length").asInt()).temperature(row.get("temperature").asDouble())
                .remasking(Remasking.fromName(row.get("remasking").asText())).build();
    }

    @Test
    void eachFolderGetsItsArchitecturesSampler() {
        assertThat(llada.architecture()).isEqualTo(Architecture.LLADA);
        assertThat(llada.defaultSampling()).isEqualTo(Sampling.llada().steps(8).genLength(8).build());
        assertThat(dream.architecture()).isEqualTo(Architecture.DREAM);
        assertThat(dream.defaultSampling()).isInstanceOf(DreamSampling.class);
        assertThat(((DreamSampling) dream.defaultSampling()).algorithm()).isEqualTo(DreamAlgorithm.ENTROPY);
        assertThat(llada.stopTokenIds()).containsExactlyInAnyOrder(1019, 1023);
    }

    @Test
    void generateIdsReproducesGolden() throws IOException {
        for (JsonNode row : jsonl(LLADA.resolve("golden/generate.jsonl"))) {
            Generation g = llada.generateIds(ints(row.get("prompt_ids")), lladaSampling(row));
            assertThat(g.ids()).as("row %s", row).containsExactly(ints(row.get("output_ids")));
            assertThat(g.promptLength()).isEqualTo(row.get("prompt_ids").size());
        }
        JsonNode row = jsonl(DREAM.resolve("golden/generate.jsonl")).getFirst();
        DreamSampling s = Sampling.dream().steps(row.get("steps").asInt()).genLength(row.get("max_new_tokens").asInt())
                .algorithm(DreamAlgorithm.fromName(row.get("alg").asText())).build();
        assertThat(dream.generateIds(ints(row.get("prompt_ids")), s).ids()).containsExactly(ints(row.get("output_ids")));
    }

    @Test
    void textPromptsGetBosAndTheCompletionStopsAtEos() {
        // golden row 0: [BOS] "66-3=" → "64" then EOS padding
        Generation g = llada.generate("66-3=", Sampling.llada().steps(8).genLength(8));
        assertThat(g.ids()).containsExactly(1018, 54, 54, 45, 51, 61, 54, 52, 1019, 1019, 1019, 1019, 1019, 1019);
        assertThat(g.text()).isEqualTo("64");
        assertThat(g.steps()).isEqualTo(8);
        assertThat(g.forwardPasses()).isEqualTo(8);
        assertThat(llada.generate("66-3=").text()).isEqualTo("64");
        assertThat(llada.completionText(new int[] {54, 1023, 52})).isEqualTo("6");
    }

    @Test
    void chatPromptsAreRenderedWithTheTemplate() throws IOException {
        for (DiffusionModel model : List.of(llada, dream)) {
            Path folder = model == llada ? LLADA : DREAM;
            JsonNode row = jsonl(folder.resolve("golden/chat.jsonl")).getFirst();
            assertThat(row.get("messages").size()).isEqualTo(1);
            String user = row.get("messages").get(0).get("content").asText();
            assertThat(model.renderChat(List.of(ChatMessage.user(user))))
                    .isEqualTo(row.get("rendered").asText());
            assertThat(model.promptIds(Prompt.chat(user))).containsExactly(ints(row.get("ids")));
        }
    }

    @Test
    void eightConcurrentCallsGiveTheSerialResults() throws Exception {
        List<JsonNode> rows = jsonl(LLADA.resolve("golden/generate.jsonl"));
        List<int[]> prompts = new ArrayList<>();
        List<Sampling> samplings = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            JsonNode row = rows.get(i);
            prompts.add(ints(row.get("prompt_ids")));
            // odd calls sample with a seeded temperature, so the per-call random sources are exercised too
            LladaSampling s = lladaSampling(row);
            samplings.add(i % 2 == 0 ? s : s.toBuilder().temperature(0.8).remasking(Remasking.RANDOM).seed(i).build());
        }
        List<int[]> serial = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            serial.add(llada.generateIds(prompts.get(i), samplings.get(i)).ids());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int k = i;
                futures.add(pool.submit(() -> llada.generateIds(prompts.get(k), samplings.get(k)).ids()));
            }
            for (int i = 0; i < 8; i++) {
                assertThat(futures.get(i).get()).as("call %d", i).containsExactly(serial.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 8; i += 2) {
            assertThat(serial.get(i)).containsExactly(ints(rows.get(i).get("output_ids")));
        }
    }

    @Test
    void listenerSeesEveryStepAndCancellationStops() {
        List<StepEvent> events = new ArrayList<>();
        Generation g = llada.generate(Prompt.text("37+48="), Sampling.llada().steps(4).genLength(8).build(),
                events::add, new CancellationToken());
        assertThat(events).hasSize(4);
        int[] rebuilt = new int[g.ids().length];
        for (StepEvent e : events) {
            for (int i = 0; i < e.positions().length; i++) {
                rebuilt[e.positions()[i]] = e.tokens()[i];
            }
        }
        assertThat(java.util.Arrays.copyOfRange(rebuilt, g.promptLength(), rebuilt.length))
                .containsExactly(g.generatedIds());
        CancellationToken cancel = new CancellationToken();
        cancel.cancel();
        assertThatThrownBy(() -> llada.generate(Prompt.text("x"), llada.defaultSampling(), StepListener.NONE, cancel))
                .isInstanceOf(GenerationCancelledException.class);
    }

    @Test
    void tooLongRequestsAreRejectedWithTheNumbers() {
        assertThatThrownBy(() -> llada.generateIds(new int[] {1, 2, 3}, Sampling.llada().steps(1024).genLength(1024).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prompt of 3 tokens plus 1024 generated exceeds the model's maximum sequence length 1024");
    }

    @Test
    void maskedNllDelegatesToTheLikelihood() throws IOException {
        for (DiffusionModel model : List.of(llada, dream)) {
            JsonNode row = jsonl((model == llada ? LLADA : DREAM).resolve("golden/masked_nll.jsonl")).getFirst();
            double nll = model.maskedNll(ints(row.get("ids")), ints(row.get("masked_positions"))).nllSum();
            double expected = row.get("nll_sum").asDouble();
            assertThat(nll).isCloseTo(expected, within(1e-3 * Math.abs(expected)));
        }
    }
}
