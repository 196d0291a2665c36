package io.github.dllmquant.examples.cli;

import io.github.dllmquant.examples.study.EvalSettings;
import io.github.dllmquant.examples.study.Evaluator;
import io.github.dllmquant.examples.study.TaskSet;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code dllmq eval}: the study's metrics for one model folder, full precision or quantized.
 */
@Command(name = "eval", description = "Masked NLL on held-out text (r = 0.15/0.5/0.85) and exact match on the "
        + "math and code task families, for one model folder (FP or quantized).")
public final class EvalCommand implements Callable<Integer> {

    private static final List<String> TASKS = List.of("text", "math", "code");

    @Mixin
    ModelFolder model;

    @Option(names = "--tasks", paramLabel = "LIST", split = ",", defaultValue = "text,math,code",
            description = "Which metrics: text, math, code (default: ${DEFAULT-VALUE}).")
    List<String> tasks;

    @Option(names = "--n", paramLabel = "N", defaultValue = "500",
            description = "Examples per task family and at most N held-out windows (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = "Text whose last 10% is scored (default: the bundled tiny_shakespeare.txt).")
    Path corpus;

    @Option(names = "--task-dir", paramLabel = "DIR",
            description = "Folder with math.jsonl and code.jsonl (default: the model's tasks/, else the bundled ones).")
    Path taskDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Set<String> wanted = new LinkedHashSet<>();
        for (String t : tasks) {
            String name = t.strip().toLowerCase(Locale.ROOT);
            if (!TASKS.contains(name)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "unknown task '" + t + "': expected text, math or code");
            }
            wanted.add(name);
        }
        if (n < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--n must be at least 1, got " + n);
        }
        Path folder = model.resolve();
        Path dir = taskDir != null ? taskDir
                : Files.isDirectory(folder.resolve("tasks")) ? folder.resolve("tasks") : Bundled.tasks();
        Tokenizer tokenizer = Tokenizers.load(folder);
        Path text = corpus != null ? corpus : Bundled.corpus();
        EvalSettings settings = new EvalSettings(EvalSettings.RATIOS, n, n, 8, EvalSettings.full().seed());
        Evaluator evaluator = new Evaluator(tokenizer, tokenizer.encode(Files.readString(text)), settings);
        PrintWriter out = spec.commandLine().getOut();
        try (DiffusionLm lm = DiffusionLm.load(folder); ConsoleProgressBar bar = ConsoleProgressBar.onStderr()) {
            out.printf(Locale.ROOT, "model %s: %.2f MB of parameters%n", folder, lm.parameterBytes() / 1e6);
            if (wanted.contains("text")) {
                double[] nll = evaluator.maskedNll(lm, bar);
                out.printf(Locale.ROOT, "text: masked NLL %.4f / %.4f / %.4f at r = 0.15 / 0.50 / 0.85 (%d windows)%n",
                        nll[0], nll[1], nll[2], evaluator.nllWindows());
            }
            for (String family : List.of("math", "code")) {
                if (wanted.contains(family)) {
                    Evaluator.TaskScore score = evaluator.exactMatch(lm,
                            TaskSet.read(family, dir.resolve(family + ".jsonl")).first(n), bar);
                    out.printf(Locale.ROOT, "%s: exact match %s, %.1f tokens/s (batched, %d prompts per forward)%n", family, score.accuracy(),
                            score.tokensPerSecond(), Evaluator.PROMPTS_PER_FORWARD);
                }
            }
        }
        return 0;
    }
}
