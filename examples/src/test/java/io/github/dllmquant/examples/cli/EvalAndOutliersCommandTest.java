package io.github.dllmquant.examples.cli;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.examples.study.EvalSettings;
import io.github.dllmquant.examples.study.Evaluator;
import io.github.dllmquant.examples.study.TaskSet;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EvalAndOutliersCommandTest {

    private static final Path MODEL = Path.of("models/tiny-llada");

    @Test
    void evalPrintsTheEvaluatorsExactMatch() throws Exception {
        DllmqTest.Run r = DllmqTest.run("eval", "--model", MODEL.toString(), "--tasks", "math", "--n", "20");
        assertThat(r.code()).as(r.err()).isZero();

        Tokenizer tokenizer = Tokenizers.load(MODEL);
        Evaluator evaluator = new Evaluator(tokenizer, tokenizer.encode(Files.readString(Bundled.corpus())),
                new EvalSettings(EvalSettings.RATIOS, 20, 20, 8, EvalSettings.full().seed()));
        try (DiffusionLm lm = DiffusionLm.load(MODEL)) {
            String expected = evaluator.exactMatch(lm, TaskSet.read("math", MODEL.resolve("tasks/math.jsonl")).first(20),
                    ProgressListener.NONE).accuracy().toString();
            assertThat(r.out()).contains("math: exact match " + expected);
        }
        assertThat(r.out()).doesNotContain("code:", "text:");
    }

    @Test
    void evalRejectsAnUnknownTaskWithOneLine() {
        DllmqTest.Run r = DllmqTest.run("eval", "--model", MODEL.toString(), "--tasks", "poetry");
        assertThat(r.code()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(r.err().strip()).contains("unknown task 'poetry'").doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void outliersWritesTheReportAndChartsAndNamesTheStrongestInputs(@TempDir Path dir) throws Exception {
        DllmqTest.Run r = DllmqTest.run("outliers", "--model", MODEL.toString(), "--windows", "2", "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("## mask ratio 0.15", "## mask ratio 0.50", "## mask ratio 0.85", "Strongest: block");
        String md = Files.readString(dir.resolve("outliers.md"));
        // 6 blocks x 4 groups x 3 ratios rows
        assertThat(md.lines().filter(l -> l.matches("\\| \\d \\| (QKV|O|GATE_UP|DOWN) \\|.*"))).hasSize(72);
        assertThat(dir.resolve("outliers-by-layer.png")).isNotEmptyFile();
        assertThat(dir.resolve("outliers-channels.png")).isNotEmptyFile();
    }
}
