package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StudyRunnerTest {

    private static final Path MODEL = Path.of("models/tiny-llada");
    private static final Path CORPUS = Path.of("data/tiny_shakespeare.txt");

    @Test
    void smallGridMeasuresEveryCellAndWritesTheReport(@TempDir Path dir) throws Exception {
        EvalSettings settings = new EvalSettings(EvalSettings.RATIOS, 2, 12, 8, 7);
        List<CellSpec> grid = List.of(CellSpec.FP, new CellSpec("rtn", "w4a16", Calibration.Masking.NONE),
                new CellSpec("smoothquant", "w8a8", Calibration.Masking.NONE));
        StudyRunner.Result result = new StudyRunner(MODEL, CORPUS, MODEL.resolve("tasks"), settings, 4)
                .run(grid, ProgressListener.NONE);

        assertThat(result.cells()).extracting(StudyCell::label)
                .containsExactly("fp", "fp+fast fp", "rtn w4a16 (none)", "smoothquant w8a8 (none)");
        // the fp row is exactly what the evaluator measures on the unmodified model
        Tokenizer tokenizer = Tokenizers.load(MODEL);
        Evaluator evaluator = new Evaluator(tokenizer, tokenizer.encode(Files.readString(CORPUS)), settings);
        try (DiffusionLm lm = DiffusionLm.load(MODEL)) {
            assertThat(result.cells().getFirst().nll()).containsExactly(evaluator.maskedNll(lm, ProgressListener.NONE));
            assertThat(result.cells().getFirst().math()).isEqualTo(evaluator.exactMatch(lm,
                    TaskSet.read("math", MODEL.resolve("tasks/math.jsonl")).first(12), ProgressListener.NONE).accuracy());
        }
        StudyCell fp = result.cells().get(0);
        // the extra row: the fp model with threshold + dual cache decoding, measured by the evaluator, fp's NLL
        StudyCell fast = result.cells().get(1);
        assertThat(fast.nll()).containsExactly(fp.nll());
        try (DiffusionLm lm = DiffusionLm.load(MODEL)) {
            assertThat(fast.code()).isEqualTo(evaluator.exactMatch(lm,
                    TaskSet.read("code", MODEL.resolve("tasks/code.jsonl")).first(12),
                    Evaluator.Decoding.THRESHOLD_DUAL_CACHE, ProgressListener.NONE).accuracy());
        }
        assertThat(fast.tokensPerSecond()).isPositive();
        StudyCell w4 = result.cells().get(2);
        assertThat(w4.bytes()).isLessThan(fp.bytes() / 3);
        assertThat(w4.quantSeconds()).isPositive();
        assertThat(result.findings()).hasSize(7);
        assertThat(result.outliers()).hasSize(3);

        String md = StudyReport.markdown("tiny-llada", settings, result, 1.0);
        StudyReport.write(dir, md, result);
        assertThat(Files.readString(dir.resolve("study.md"))).contains("| rtn | w4a16 | none |", "**F5**",
                "| fp+fast | fp | - |", "`fp+fast` is the FP model decoded with confidence-threshold parallel decoding");
        for (String png : List.of("nll.png", "accuracy.png", "outliers-by-layer.png", "outliers-channels.png")) {
            assertThat(dir.resolve(png)).isNotEmptyFile();
        }
    }

    @Test
    void anInstructTwinMakesF7Testable(@TempDir Path dir) throws Exception {
        EvalSettings settings = new EvalSettings(EvalSettings.RATIOS, 2, 6, 8, 7);
        List<CellSpec> grid = List.of(CellSpec.FP, new CellSpec("rtn", "w3a16", Calibration.Masking.NONE));
        // the model as its own twin: the twin never degrades less, so F7 does not hold, 0 of 1 cells
        StudyRunner.Result result = new StudyRunner(MODEL, CORPUS, MODEL.resolve("tasks"), settings, 4)
                .run(grid, MODEL, ProgressListener.NONE);

        assertThat(result.instructCells()).extracting(StudyCell::label).containsExactly("fp", "rtn w3a16 (none)");
        // the base grid also holds the fp+fast row (second); the twin's grid does not
        assertThat(result.cells()).extracting(StudyCell::label).containsExactly("fp", "fp+fast fp", "rtn w3a16 (none)");
        assertThat(result.instructCells().get(1).nll()).containsExactly(result.cells().get(2).nll());
        Finding f7 = result.findings().get(6);
        assertThat(f7.id()).isEqualTo("F7");
        assertThat(f7.verdict()).isEqualTo(Finding.Verdict.DOES_NOT_HOLD);
        assertThat(f7.evidence()).isEqualTo("instruct degrades less in 0 of 1 cells");
        assertThat(StudyReport.markdown("tiny-llada", settings, result, 1.0)).contains("## Instruct twin (finding F7)");
    }
}
