package io.github.dllmquant.examples.cli;

import io.github.dllmquant.examples.study.CellSpec;
import io.github.dllmquant.examples.study.EvalSettings;
import io.github.dllmquant.examples.study.Finding;
import io.github.dllmquant.examples.study.StudyReport;
import io.github.dllmquant.examples.study.StudyRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dllmq study}: the paper's grid of methods × schemes on a model, with computed verdicts on its
 * findings, a Markdown table and PNG charts.
 */
@Command(name = "study", description = "Reproduce the 'Quantization Meets dLLMs' grid on a model (default: the "
        + "bundled tiny LLaDA): masked NLL, math and code exact match, bytes, quantization time, tokens/s; "
        + "verdicts on findings F1-F7; study.md and PNG charts in --out.")
public final class StudyCommand implements Callable<Integer> {

    @Mixin
    ModelFolder model;

    @Option(names = "--quick", description = "Fewer cells and examples (about 3 minutes).")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/study",
            description = "Folder for study.md and the charts (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = "Text whose last 10% is scored and whose start is calibrated on "
                    + "(default: the bundled examples/data/tiny_shakespeare.txt).")
    Path corpus;

    @Option(names = "--tasks", paramLabel = "DIR",
            description = "Folder with math.jsonl and code.jsonl (default: the model's tasks/, else the bundled ones).")
    Path tasks;

    @Option(names = "--instruct-model", paramLabel = "DIR",
            description = "The instruct twin of --model (e.g. LLaDA-8B-Instruct beside LLaDA-8B-Base): the grid runs on "
                    + "it too and finding F7 (instruct models are more robust) is tested instead of 'not testable'.")
    Path instructModel;

    @Option(names = "--calibration-samples", paramLabel = "N", defaultValue = "128",
            description = "Calibration windows of 128 tokens per cell (default: ${DEFAULT-VALUE}).")
    int calibrationSamples;

    @Option(names = "--methods", paramLabel = "NAME", split = ",",
            description = "Run only the cells of these methods (comma-separated, e.g. awq,quarot), plus fp.")
    List<String> methods = List.of();

    @Option(names = "--schemes", paramLabel = "SCHEME", split = ",",
            description = "Run only the cells of these schemes (comma-separated, e.g. w4a16,w8a8), plus fp.")
    List<String> schemes = List.of();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path folder = model.resolve();
        Path corpusFile = corpus != null ? corpus : Bundled.corpus();
        Path taskDir = tasks != null ? tasks
                : Files.isDirectory(folder.resolve("tasks")) ? folder.resolve("tasks") : Bundled.tasks();
        for (Path required : List.of(corpusFile, taskDir.resolve("math.jsonl"), taskDir.resolve("code.jsonl"))) {
            if (!Files.isRegularFile(required)) {
                throw new IllegalArgumentException("missing file " + required);
            }
        }
        if (instructModel != null && !Files.isRegularFile(instructModel.resolve("config.json"))) {
            throw new IllegalArgumentException("--instruct-model " + instructModel + " is not a model folder (no config.json)");
        }
        if (calibrationSamples < 1) {
            throw new IllegalArgumentException("--calibration-samples must be at least 1, got " + calibrationSamples);
        }
        EvalSettings settings = quick ? EvalSettings.quick() : EvalSettings.full();
        List<CellSpec> grid = CellSpec.select(quick ? CellSpec.quickGrid() : CellSpec.fullGrid(),
                lowerCase(methods), lowerCase(schemes));
        PrintWriter stdout = spec.commandLine().getOut();
        long start = System.nanoTime();
        StudyRunner.Result result;
        try (ConsoleProgressBar bar = ConsoleProgressBar.onStderr()) {
            result = new StudyRunner(folder, corpusFile, taskDir, settings, quick ? 32 : calibrationSamples)
                    .run(grid, instructModel, bar);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String markdown = StudyReport.markdown(folder.getFileName().toString(), settings, result, seconds);
        StudyReport.write(out, markdown, result);
        stdout.println(markdown);
        stdout.println("Wrote " + out.resolve("study.md") + " and charts (nll.png, accuracy.png, outliers-*.png).");
        for (Finding f : result.findings()) {
            stdout.println(f.id() + ": " + f.verdict());
        }
        return 0;
    }

    private static java.util.Set<String> lowerCase(List<String> names) {
        java.util.Set<String> set = new java.util.LinkedHashSet<>();
        for (String n : names) {
            set.add(n.strip().toLowerCase(java.util.Locale.ROOT));
        }
        return set;
    }
}
