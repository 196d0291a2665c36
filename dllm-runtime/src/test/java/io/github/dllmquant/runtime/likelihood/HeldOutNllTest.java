package io.github.dllmquant.runtime.likelihood;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The bundled model's README protocol: mean masked NLL on the held-out last 10% of the corpus tokens,
 * windows of 128, at mask ratios 0.15 / 0.5 / 0.85, against the README's FP figures 3.457 / 4.253 /
 * 5.399. Our masks come from another generator, so the figures agree within the sampling spread of
 * thousands of masked tokens (about ±0.03 nats each side), not exactly: 0.12 is about three combined
 * standard errors.
 */
class HeldOutNllTest {

    @Test
    void heldOutMaskedNllMatchesTheReadme() throws Exception {
        Path folder = Path.of("../examples/models/tiny-llada");
        Tokenizer tokenizer = Tokenizers.load(folder);
        int[] tokens = tokenizer.encode(Files.readString(Path.of("../examples/data/tiny_shakespeare.txt")));
        int[] heldOut = MaskedNll.heldOut(tokens, 0.1);
        try (DiffusionLm model = DiffusionLm.load(folder)) {
            MaskedNll nll = new MaskedNll(model);
            double[] ratios = {0.15, 0.5, 0.85};
            double[] readme = {3.457, 4.253, 5.399};
            for (int i = 0; i < ratios.length; i++) {
                NllResult r = nll.windows(heldOut, 128, ratios[i], 1234, ProgressListener.NONE);
                System.out.printf("held-out masked NLL at r=%.2f: %.4f over %d masked tokens (README %.3f)%n",
                        ratios[i], r.mean(), r.maskedCount(), readme[i]);
                assertThat(r.mean()).isCloseTo(readme[i], within(0.12));
            }
        }
    }
}
