package io.github.dllmquant.examples.cli;

import io.github.dllmquant.examples.study.EvalSettings;
import io.github.dllmquant.examples.study.Evaluator;
import io.github.dllmquant.examples.study.StudyReport;
import io.github.dllmquant.methods.analysis.GroupActivationStats;
import io.github.dllmquant.methods.analysis.OutlierAnalysis;
import io.github.dllmquant.methods.analysis.OutlierAnalysis.RatioReport;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dllmq outliers}: per-layer, per-channel {@code max|activation|} at the input of every linear
 * group, at the study's mask ratios, with top channels, kurtosis and charts.
 */
@Command(name = "outliers", description = "Activation outliers at every linear group's input, per layer and channel, "
        + "at mask ratios 0.15/0.5/0.85: top channels, kurtosis, PNG charts; names the strongest layers.")
public final class OutliersCommand implements Callable<Integer> {

    @Mixin
    ModelFolder model;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/outliers",
            description = "Folder for outliers.md and the charts (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--windows", paramLabel = "N", defaultValue = "16",
            description = "Held-out windows of 128 tokens per mask ratio (default: ${DEFAULT-VALUE}).")
    int windows;

    @Option(names = "--corpus", paramLabel = "FILE", description = "Text to run (default: the bundled corpus).")
    Path corpus;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "Top channels listed (default: ${DEFAULT-VALUE}).")
    int top;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (windows < 1 || top < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--windows and --top must be at least 1");
        }
        Path folder = model.resolve();
        Tokenizer tokenizer = Tokenizers.load(folder);
        int[] tokens = tokenizer.encode(Files.readString(corpus != null ? corpus : Bundled.corpus()));
        List<int[]> inputs = Evaluator.heldOutWindows(tokens, windows);
        List<RatioReport> reports;
        try (DiffusionLm lm = DiffusionLm.load(folder); ConsoleProgressBar bar = ConsoleProgressBar.onStderr()) {
            reports = OutlierAnalysis.run(lm, inputs, EvalSettings.RATIOS, EvalSettings.full().seed(), bar);
        }
        StringBuilder md = new StringBuilder("# Activation outliers: " + folder.getFileName() + "\n\n");
        md.append(StudyReport.outlierSummary(reports)).append('\n');
        for (RatioReport r : reports) {
            md.append(String.format(Locale.ROOT, "## mask ratio %.2f%n%n| block | input of | max abs | max/median channel"
                    + " | max/median token | kurtosis | top channels |%n|---:|---|---:|---:|---:|---:|---|%n", r.maskRatio()));
            for (GroupActivationStats s : r.groups()) {
                md.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %.1f | %.1f | %.1f | %s |%n", s.block(),
                        s.group(), s.maxAbs(), s.channelOutlierRatio(), s.tokenOutlierRatio(), s.kurtosis(),
                        Arrays.toString(s.topChannels(top))));
            }
            List<GroupActivationStats> strongest = r.groups().stream()
                    .sorted(Comparator.comparingDouble(GroupActivationStats::maxAbs).reversed()).limit(3).toList();
            md.append("\nStrongest: ");
            for (GroupActivationStats s : strongest) {
                md.append(String.format(Locale.ROOT, "block %d %s (%.1f); ", s.block(), s.group(), s.maxAbs()));
            }
            md.append("\n\n");
        }
        Files.createDirectories(out);
        StudyReport.writeAtomically(out.resolve("outliers.md"), md.toString());
        StudyReport.outlierCharts(reports, out);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(md);
        stdout.println("Wrote " + out.resolve("outliers.md") + ", outliers-by-layer.png, outliers-channels.png");
        return 0;
    }
}
