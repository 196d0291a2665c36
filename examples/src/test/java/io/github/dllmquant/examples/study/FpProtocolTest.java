package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The evaluation itself is right when the FP model reproduces the scores its README reports
 * (PyTorch reference): exact match within our 95% interval, masked NLL close to the reported values
 * (masks come from another random generator, so only the spread over seeds is expected).
 */
class FpProtocolTest {

    private static final Path MODEL = Path.of("models/tiny-llada");

    @Test
    void fpScoresMatchTheReadme() throws Exception {
        Tokenizer tokenizer = Tokenizers.load(MODEL);
        int[] corpus = tokenizer.encode(Files.readString(Path.of("data/tiny_shakespeare.txt")));
        Evaluator evaluator = new Evaluator(tokenizer, corpus, EvalSettings.full());
        try (DiffusionLm model = DiffusionLm.load(MODEL)) {
            Proportion math = evaluator.exactMatch(model, TaskSet.read("math", MODEL.resolve("tasks/math.jsonl")),
                    ProgressListener.NONE).accuracy();
            Proportion code = evaluator.exactMatch(model, TaskSet.read("code", MODEL.resolve("tasks/code.jsonl")),
                    ProgressListener.NONE).accuracy();
            assertThat(math.total()).isEqualTo(500);
            assertThat(math.low()).isLessThanOrEqualTo(0.140);
            assertThat(math.high()).isGreaterThanOrEqualTo(0.140);
            assertThat(code.low()).isLessThanOrEqualTo(0.430);
            assertThat(code.high()).isGreaterThanOrEqualTo(0.430);

            double[] nll = evaluator.maskedNll(model, ProgressListener.NONE);
            double[] readme = {3.457, 4.253, 5.399};
            for (int i = 0; i < readme.length; i++) {
                assertThat(nll[i]).as("NLL at ratio %s", EvalSettings.RATIOS[i]).isBetween(readme[i] * 0.98, readme[i] * 1.02);
            }
            System.out.printf("FP: math %s, code %s, NLL %.4f / %.4f / %.4f over %d windows%n", math, code,
                    nll[0], nll[1], nll[2], evaluator.nllWindows());
        }
    }
}
