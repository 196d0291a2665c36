package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.analysis.OutlierAnalysis;
import io.github.dllmquant.methods.analysis.OutlierAnalysis.RatioReport;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the study grid on one model: each cell loads the model afresh, quantizes it with the cell's
 * recipe on the real integer kernels, and measures it with the {@link Evaluator}; then the verdicts on
 * F1–F7 are computed from the numbers.
 */
public final class StudyRunner {

    private static final Logger LOG = LoggerFactory.getLogger(StudyRunner.class);
    /** Held-out windows the outlier analysis runs on, per mask ratio. */
    private static final int OUTLIER_WINDOWS = 16;
    /** Progress units per cell. */
    private static final long UNITS = 1000;

    private final Path model;
    private final Path corpus;
    private final Path tasks;
    private final EvalSettings settings;
    private final int calibrationSamples;

    /**
     * @param model              the model folder
     * @param corpus             the text whose last 10% is scored (and whose start is calibrated on)
     * @param tasks              a folder with {@code math.jsonl} and {@code code.jsonl}
     * @param settings           what each cell measures
     * @param calibrationSamples calibration windows of 128 tokens per cell
     */
    public StudyRunner(Path model, Path corpus, Path tasks, EvalSettings settings, int calibrationSamples) {
        this.model = model;
        this.corpus = corpus;
        this.tasks = tasks;
        this.settings = settings;
        this.calibrationSamples = calibrationSamples;
    }

    /**
     * The study's outcome.
     *
     * @param cells         measured cells, fp first
     * @param outliers      the fp model's outlier report per mask ratio
     * @param findings      the verdicts
     * @param instructCells the same grid on the instruct twin (F7), or an empty list
     */
    public record Result(List<StudyCell> cells, List<RatioReport> outliers, List<Finding> findings,
                         List<StudyCell> instructCells) {

        /** A result without an instruct twin. */
        public Result(List<StudyCell> cells, List<RatioReport> outliers, List<Finding> findings) {
            this(cells, outliers, findings, List.of());
        }
    }

    /** Runs every cell of {@code grid} (fp must be first). */
    public Result run(List<CellSpec> grid, ProgressListener progress) throws IOException {
        return run(grid, null, progress);
    }

    /**
     * Runs every cell of {@code grid} (fp must be first) on the model and, when {@code instructTwin} is not
     * null, on that folder too (the instruct model of the same family, evaluated with its own tokenizer on
     * the same corpus and tasks), so that finding F7 can be tested.
     */
    public Result run(List<CellSpec> grid, Path instructTwin, ProgressListener progress) throws IOException {
        if (grid.isEmpty() || !grid.getFirst().equals(CellSpec.FP)) {
            throw new IllegalArgumentException("the grid must start with the fp cell");
        }
        long total = (grid.size() * (instructTwin == null ? 1 : 2) + 1) * UNITS;
        Tokenizer tokenizer = Tokenizers.load(model);
        int[] corpusTokens = tokenizer.encode(Files.readString(corpus));
        List<RatioReport> outliers;
        try (DiffusionLm fp = DiffusionLm.load(model)) {
            outliers = OutlierAnalysis.run(fp, Evaluator.heldOutWindows(corpusTokens, OUTLIER_WINDOWS), settings.maskRatios(), settings.seed(),
                    p -> progress.onProgress(new Progress("outliers: " + p.stage(), p.done() * UNITS / p.total(), total)));
        }
        List<StudyCell> cells = measure(grid, tokenizer, corpusTokens, "", UNITS, total, progress);
        List<StudyCell> instructCells = List.of();
        if (instructTwin != null) {
            Tokenizer twinTokenizer = Tokenizers.load(instructTwin);
            instructCells = new StudyRunner(instructTwin, corpus, tasks, settings, calibrationSamples)
                    .measure(grid, twinTokenizer, twinTokenizer.encode(Files.readString(corpus)), "instruct ",
                            (grid.size() + 1) * UNITS, total, progress);
        }
        progress.onProgress(new Progress("study done", total, total));
        return new Result(cells, outliers, Verdicts.compute(cells, outliers, instructCells), instructCells);
    }

    /**
     * Measures every cell of {@code grid} on this runner's model, whose tokenizer turned the corpus into
     * {@code corpusTokens}; progress counts from {@code start} units of {@code total}.
     */
    private List<StudyCell> measure(List<CellSpec> grid, Tokenizer tokenizer, int[] corpusTokens, String prefix,
                                    long start, long total, ProgressListener progress) throws IOException {
        Evaluator evaluator = new Evaluator(tokenizer, corpusTokens, settings);
        TaskSet math = TaskSet.read("math", tasks.resolve("math.jsonl")).first(settings.examples());
        TaskSet code = TaskSet.read("code", tasks.resolve("code.jsonl")).first(settings.examples());
        Calibration calibration = Calibration.tokens(Arrays.copyOf(corpusTokens,
                        (int) Math.floor(corpusTokens.length * (1 - Evaluator.HELD_OUT))))
                .samples(calibrationSamples).sequenceLength(Evaluator.WINDOW);

        List<StudyCell> cells = new ArrayList<>();
        for (int i = 0; i < grid.size(); i++) {
            CellSpec spec = grid.get(i);
            long base = start + i * UNITS;
            String label = String.format("%scell %d/%d %s %s", prefix, i + 1, grid.size(), spec.method(), spec.scheme());
            CellProgress cellProgress = (stage, fraction) -> progress.onProgress(new Progress(label + ": " + stage,
                    base + Math.min(UNITS - 1, (long) (fraction * UNITS)), total));
            cells.add(runCell(spec, evaluator, math, code, calibration, tokenizer, label, cellProgress));
            LOG.info("{}: {}", label, cells.getLast().label());
            if (spec.equals(CellSpec.FP) && prefix.isEmpty() && isLlada()) {
                cells.add(fastCell(cells.getLast(), evaluator, math, code, cellProgress));
                LOG.info("{}: {}", label, cells.getLast().label());
            }
        }
        return cells;
    }

    /** Method name of the extra row: the FP model with threshold parallel decoding and a dual KV cache. */
    public static final String FAST_METHOD = "fp+fast";

    private boolean isLlada() throws IOException {
        return io.github.dllmquant.runtime.config.ModelConfig.load(model.resolve("config.json")).architecture()
                == io.github.dllmquant.runtime.config.Architecture.LLADA;
    }

    /**
     * The extra row {@value #FAST_METHOD}: exact match of the FP model decoded with
     * {@link Evaluator.Decoding#THRESHOLD_DUAL_CACHE}. Its NLL and size are the FP row's (the masked NLL
     * does not depend on how generations decode), so only the two task families run again.
     */
    private StudyCell fastCell(StudyCell fp, Evaluator evaluator, TaskSet math, TaskSet code, CellProgress progress)
            throws IOException {
        try (DiffusionLm lm = DiffusionLm.load(model)) {
            Evaluator.Decoding fast = Evaluator.Decoding.THRESHOLD_DUAL_CACHE;
            Evaluator.TaskScore m = evaluator.exactMatch(lm, math, fast, p -> progress.report("fast math", 0.99));
            Evaluator.TaskScore c = evaluator.exactMatch(lm, code, fast, p -> progress.report("fast code", 0.99));
            // one prompt at a time, as the fp row's speed
            long start = System.nanoTime();
            double tokensPerSecond = evaluator.singlePromptSpeed(lm, math, Evaluator.SPEED_EXAMPLES, fast);
            LOG.info(String.format(java.util.Locale.ROOT, "%s: math %.1f s, code %.1f s, single-prompt speed %.1f s",
                    FAST_METHOD, m.nanos() / 1e9, c.nanos() / 1e9, (System.nanoTime() - start) / 1e9));
            return new StudyCell(FAST_METHOD, fp.scheme(), fp.calibration(), fp.nll(), m.accuracy(), c.accuracy(),
                    fp.bytes(), 0, tokensPerSecond);
        }
    }

    /** Reports a stage and the fraction of the cell done. */
    private interface CellProgress {
        void report(String stage, double fraction);
    }

    private StudyCell runCell(CellSpec spec, Evaluator evaluator, TaskSet math, TaskSet code, Calibration calibration,
                              Tokenizer tokenizer, String label, CellProgress progress) throws IOException {
        try (DiffusionLm lm = DiffusionLm.load(model)) {
            double quantSeconds = 0;
            long start = System.nanoTime();
            if (!spec.equals(CellSpec.FP)) {
                Calibrator.quantize(lm, Methods.recipe(spec.method(), spec.scheme()),
                        calibration.masking(spec.masking()).seed(settings.seed()), tokenizer::encode,
                        p -> progress.report(p.stage(), 0.3 * p.fraction()));
                quantSeconds = (System.nanoTime() - start) / 1e9;
            }
            long quantized = System.nanoTime();
            double[] nll = evaluator.maskedNll(lm, p -> progress.report("masked NLL", 0.3 + 0.2 * p.fraction()));
            long scored = System.nanoTime();
            Evaluator.TaskScore m = evaluator.exactMatch(lm, math, p -> progress.report("math", 0.5 + 0.25 * p.fraction()));
            Evaluator.TaskScore c = evaluator.exactMatch(lm, code, p -> progress.report("code", 0.75 + 0.25 * p.fraction()));
            long generated = System.nanoTime();
            double tokensPerSecond = evaluator.singlePromptSpeed(lm, math, Evaluator.SPEED_EXAMPLES);
            long end = System.nanoTime();
            // where a cell's time goes (the study's total is the sum of these plus model loads and outliers)
            LOG.info(String.format(java.util.Locale.ROOT, "%s: quantization %.1f s, masked NLL %.1f s, math %.1f s, "
                            + "code %.1f s, single-prompt speed %.1f s", label, quantSeconds, (scored - quantized) / 1e9,
                    m.nanos() / 1e9, c.nanos() / 1e9, (end - generated) / 1e9));
            return new StudyCell(spec.method(), spec.scheme(), spec.calibrationLabel(), nll, m.accuracy(), c.accuracy(),
                    lm.parameterBytes(), quantSeconds, tokensPerSecond);
        }
    }
}
