package com.example.app;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.api.DiffusionModel;
import io.github.dllmquant.runtime.sampling.Sampling;

import java.nio.file.Path;

/** An application that answers a prompt with a 4-bit GPTQ copy of a diffusion LM. */
public final class Answer {

    /**
     * What the application reports.
     *
     * @param text       the completion
     * @param sizeRatio  parameter bytes of the quantized copy over the original's
     */
    public record Result(String text, double sizeRatio) {
    }

    private Answer() {
    }

    /** Loads {@code model}, quantizes it to W4A16 g128 with GPTQ and generates 8 tokens after {@code prompt}. */
    public static Result answer(Path model, String prompt) throws Exception {
        try (DiffusionModel fp = DiffusionModel.load(model);
             DiffusionModel w4 = fp.quantize(Recipe.gptq().scheme("w4a16").groupSize(128),
                     Calibration.defaultCorpus().samples(16), ProgressListener.NONE)) {
            String text = w4.generate(prompt, Sampling.lowConfidence().steps(8).genLength(8).blockLength(8)).text();
            return new Result(text, (double) w4.network().parameterBytes() / fp.network().parameterBytes());
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println(answer(Path.of(args[0]), args.length > 1 ? args[1] : "37+48=").text());
    }
}
