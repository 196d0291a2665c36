package io.github.dllmquant.examples;

import io.github.dllmquant.runtime.api.DiffusionModel;
import io.github.dllmquant.runtime.api.Generation;
import io.github.dllmquant.runtime.api.Prompt;
import io.github.dllmquant.runtime.sampling.CancellationToken;
import io.github.dllmquant.runtime.sampling.Sampling;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An application that embeds dllm-quant, using only the public API: it loads the bundled tiny LLaDA
 * model (or the folder given as the second argument), generates after the prompt given as the first
 * argument, and shows each denoising step as it happens.
 *
 * <pre>
 * java -cp ... io.github.dllmquant.examples.GenerateExample "37+48="
 * java -cp ... io.github.dllmquant.examples.GenerateExample "ROMEO:" path/to/LLaDA-8B-Instruct
 * </pre>
 */
public final class GenerateExample {

    private GenerateExample() {
    }

    /** Generates after {@code args[0]} with the model folder {@code args[1]} (default: the bundled model). */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: GenerateExample PROMPT [MODEL_DIR]");
            System.exit(2);
        }
        Path folder = args.length == 2 ? Path.of(args[1]) : bundledModel();
        try (DiffusionModel model = DiffusionModel.load(folder)) {
            // greedy, 16 positions in two semi-autoregressive blocks of 8, one token per step
            Sampling sampling = Sampling.llada().steps(16).genLength(16).blockLength(8).build();
            if (model.defaultSampling() instanceof io.github.dllmquant.runtime.sampling.DreamSampling) {
                sampling = Sampling.dream().steps(16).genLength(16)
                        .algorithm(io.github.dllmquant.runtime.sampling.DreamAlgorithm.ENTROPY).build();
            }
            Generation g = model.generate(Prompt.text(args[0]), sampling,
                    step -> System.err.printf("step %2d: unmasked %s%n", step.step(),
                            model.decode(step.tokens()).replace("\n", "\\n")),
                    new CancellationToken());
            System.out.println(args[0] + g.text());
            System.err.printf("%d forward passes, %.1f tokens/s%n", g.forwardPasses(), g.tokensPerSecond());
        }
    }

    /** The bundled model, found from the repository root or the working directory. */
    private static Path bundledModel() {
        String home = System.getProperty("dllmq.home", "");
        for (Path start : new Path[] {Path.of(home), Path.of("").toAbsolutePath()}) {
            for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("examples/models/tiny-llada");
                if (Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("bundled model examples/models/tiny-llada not found from "
                + Path.of("").toAbsolutePath() + "; pass a model folder as the second argument");
    }
}
