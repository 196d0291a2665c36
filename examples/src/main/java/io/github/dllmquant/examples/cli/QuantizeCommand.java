package io.github.dllmquant.examples.cli;

import io.github.dllmquant.examples.study.Methods;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.QuantizationReport;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.model.SaveFormat;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dllmq quantize}: quantizes a model folder with one method and scheme, on calibration text, and
 * saves the result (the SDK's native folder or the GPTQ checkpoint layout).
 */
@Command(name = "quantize", description = "Quantize a model folder (RTN, GPTQ, AWQ, SmoothQuant, QuaRot, DuQuant) "
        + "and save it; prints a one-line summary (method, scheme, bytes, time).")
public final class QuantizeCommand implements Callable<Integer> {

    private static final List<String> SCHEMES = List.of("w4a16", "w3a16", "w2a16", "w8a16", "w8a8", "w4a8", "w4a4");

    @Mixin
    ModelFolder model;

    @Option(names = "--method", required = true, paramLabel = "NAME",
            description = "rtn, gptq, awq, smoothquant, quarot or duquant.")
    String method;

    @Option(names = "--scheme", required = true, paramLabel = "SCHEME",
            description = "w4a16, w3a16, w2a16, w8a16, w8a8, w4a8 or w4a4.")
    String scheme;

    @Option(names = "--group-size", paramLabel = "N",
            description = "Weight group size along the input (-1 per channel). Default: 128 for weight-only "
                    + "schemes, per channel otherwise.")
    Integer groupSize;

    @Option(names = "--calibration", paramLabel = "FILE",
            description = "Calibration text (default: the first 90% of the bundled tiny_shakespeare.txt).")
    Path calibrationFile;

    @Option(names = "--calibration-samples", paramLabel = "N", defaultValue = "128",
            description = "Calibration windows (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--calibration-length", paramLabel = "L", defaultValue = "128",
            description = "Tokens per calibration window (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--calibration-masking", paramLabel = "MODE", defaultValue = "mixed",
            description = "mixed (masked like diffusion steps, the default for dLLMs) or none (plain text, as the paper).")
    String masking;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "native",
            description = "native (every scheme) or gptq (AutoGPTQ tensors qweight/qzeros/scales/g_idx; weight-only "
                    + "RTN/GPTQ).")
    String format;

    @Option(names = "--embedding-bits", paramLabel = "N",
            description = "Bits of the embedding table (2-8, round to nearest, rows dequantized on lookup) or 0 for"
                    + " full precision (default: 8 with --format native, 0 with --format gptq).")
    Integer embeddingBits;

    @Option(names = "--lm-head-bits", paramLabel = "N",
            description = "Bits of the LM head (2-8, round to nearest, weight-only) or 0 for full precision"
                    + " (default: 8 with --format native, 0 with --format gptq).")
    Integer lmHeadBits;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write (replaced atomically).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String s = scheme.toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(s)) {
            throw new ParameterException(spec.commandLine(), "unknown scheme '" + scheme + "': expected one of "
                    + String.join(", ", SCHEMES));
        }
        if (!Methods.NAMES.contains(method.toLowerCase(Locale.ROOT))) {
            throw new ParameterException(spec.commandLine(), "unknown method '" + method + "': expected one of "
                    + String.join(", ", Methods.NAMES));
        }
        Calibration.Masking mask = switch (masking.toLowerCase(Locale.ROOT)) {
            case "mixed" -> Calibration.Masking.MIXED;
            case "none" -> Calibration.Masking.NONE;
            default -> throw new ParameterException(spec.commandLine(),
                    "unknown --calibration-masking '" + masking + "': expected mixed or none");
        };
        SaveFormat saveFormat = switch (format.toLowerCase(Locale.ROOT)) {
            case "native" -> SaveFormat.NATIVE;
            case "gptq" -> SaveFormat.GPTQ;
            default -> throw new ParameterException(spec.commandLine(),
                    "unknown --format '" + format + "': expected native or gptq");
        };
        if (samples < 1 || length < 2) {
            throw new ParameterException(spec.commandLine(), "--calibration-samples must be >= 1 and "
                    + "--calibration-length >= 2");
        }
        if (saveFormat == SaveFormat.GPTQ && !s.endsWith("a16")) {
            throw new ParameterException(spec.commandLine(), "--format gptq holds weight-only schemes; " + s
                    + " quantizes activations: use --format native");
        }
        Recipe recipe = Methods.recipe(method, s);
        if (groupSize != null) {
            recipe = recipe.groupSize(groupSize);
        }
        int defaultBits = saveFormat == SaveFormat.GPTQ ? 0 : 8;
        int embBits = embeddingBits != null ? embeddingBits : defaultBits;
        int headBits = lmHeadBits != null ? lmHeadBits : defaultBits;
        for (int bits : new int[] {embBits, headBits}) {
            if (bits != 0 && (bits < 2 || bits > 8)) {
                throw new ParameterException(spec.commandLine(), "--embedding-bits and --lm-head-bits must be 0 or"
                        + " 2..8, got " + bits);
            }
        }
        if (saveFormat == SaveFormat.GPTQ && (embBits != 0 || headBits != 0)) {
            throw new ParameterException(spec.commandLine(), "--format gptq keeps the embedding table and the LM head"
                    + " in full precision: use --format native for --embedding-bits/--lm-head-bits");
        }
        recipe = recipe.embeddingBits(embBits).lmHeadBits(headBits);
        Path folder = model.resolve();
        Calibration calibration = (calibrationFile != null ? Calibration.file(calibrationFile)
                : Calibration.defaultCorpus())
                .samples(samples).sequenceLength(length).masking(mask);
        Tokenizer tokenizer = Tokenizers.load(folder);
        long start = System.nanoTime();
        QuantizationReport report;
        try (DiffusionLm lm = DiffusionLm.load(folder)) {
            long before = lm.parameterBytes();
            try (ConsoleProgressBar bar = ConsoleProgressBar.onStderr()) {
                report = Calibrator.quantize(lm, recipe, calibration, tokenizer::encode, bar);
            }
            lm.save(out, saveFormat);
            double seconds = (System.nanoTime() - start) / 1e9;
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "%s %s: %.2f MB -> %.2f MB of parameters (%.2fx), %.1f s, %d calibration windows, saved %s (%s)%n",
                    method.toLowerCase(Locale.ROOT), recipe.schemeName(), before / 1e6, lm.parameterBytes() / 1e6,
                    (double) lm.parameterBytes() / before, seconds, report.windows(), out, saveFormat.name().toLowerCase(Locale.ROOT));
        }
        if (!Files.isRegularFile(out.resolve("config.json"))) {
            throw new IllegalStateException("saving did not produce " + out.resolve("config.json"));
        }
        return 0;
    }
}
