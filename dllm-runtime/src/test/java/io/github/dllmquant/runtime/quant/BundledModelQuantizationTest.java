package io.github.dllmquant.runtime.quant;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.QuantizationReport;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.likelihood.MaskedNll;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quantizes the bundled tiny-llada with every RTN/GPTQ/AWQ recipe on the real SPI and scores the masked
 * NLL on the held-out tail of the corpus (the first 32 windows of 128 at mask ratio 0.5): W8A8 stays within
 * 2% of full precision, weight-only 4-bit within 10%, and every run is finite. Both calibration maskings
 * (mixed and plain text) are run for GPTQ W4 and the numbers printed.
 */
class BundledModelQuantizationTest {

    static final Path MODEL = Path.of("../examples/models/tiny-llada");
    static final int WINDOWS = 32;
    static final int LENGTH = 128;
    static final double RATIO = 0.5;

    static Tokenizer tokenizer;
    static int[] heldOut;
    static double fpNll;

    @BeforeAll
    static void fullPrecision() throws Exception {
        tokenizer = Tokenizers.load(MODEL);
        String corpus = Files.readString(Path.of("../examples/data/tiny_shakespeare.txt"), StandardCharsets.UTF_8);
        int[] tail = MaskedNll.heldOut(tokenizer.encode(corpus), 0.1);
        heldOut = Arrays.copyOf(tail, WINDOWS * LENGTH);
        try (DiffusionLm fp = DiffusionLm.load(MODEL)) {
            fpNll = nll(fp);
        }
    }

    static double nll(DiffusionLm model) {
        return new MaskedNll(model).windows(heldOut, LENGTH, RATIO, 7, ProgressListener.NONE).mean();
    }

    static double quantizedNll(Recipe recipe, Calibration calibration) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(MODEL)) {
            QuantizationReport report = Calibrator.quantize(model, recipe, calibration, tokenizer::encode, ProgressListener.NONE);
            assertThat(report.blocks()).hasSize(model.blockCount());
            assertThat(report.blocks()).allSatisfy(b -> assertThat(b.layers()).hasSize(7));
            return nll(model);
        }
    }

    @Test
    void everyRecipeRunsEndToEndAndW8A8StaysWithinTwoPercent() throws Exception {
        Calibration calibration = Calibration.defaultCorpus().samples(32);
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        for (String scheme : new String[]{"w4a16", "w3a16"}) {
            recipes.put("rtn " + scheme, Recipe.rtn().scheme(scheme));
            recipes.put("gptq " + scheme, Recipe.gptq().scheme(scheme));
            recipes.put("awq " + scheme, Recipe.awq().scheme(scheme));
        }
        recipes.put("rtn w8a8", Recipe.rtn().scheme("w8a8"));
        recipes.put("gptq w8a8", Recipe.gptq().scheme("w8a8"));
        System.out.printf("FP masked NLL at r=%.2f: %.4f%n", RATIO, fpNll);
        for (Map.Entry<String, Recipe> e : recipes.entrySet()) {
            double nll = quantizedNll(e.getValue(), calibration);
            double rel = nll / fpNll - 1;
            System.out.printf("%-12s NLL %.4f (%+.2f%%)%n", e.getKey(), nll, 100 * rel);
            assertThat(nll).as(e.getKey()).isFinite();
            if (e.getKey().endsWith("w8a8")) {
                assertThat(Math.abs(rel)).as(e.getKey()).isLessThan(0.02);
            } else if (e.getKey().endsWith("w4a16")) {
                assertThat(rel).as(e.getKey()).isLessThan(0.10);
            }
        }
    }

    @Test
    void gptqCalibratesOnMixedMaskedAndOnPlainText() throws Exception {
        Recipe recipe = Recipe.gptq().scheme("w4a16");
        double mixed = quantizedNll(recipe, Calibration.defaultCorpus().samples(32));
        double plain = quantizedNll(recipe, Calibration.defaultCorpus().samples(32).masking(Calibration.Masking.NONE));
        System.out.printf("GPTQ w4a16 g128: FP %.4f, mixed-mask calibration %.4f, plain-text calibration %.4f%n",
                fpNll, mixed, plain);
        assertThat(mixed / fpNll - 1).isLessThan(0.10);
        assertThat(plain / fpNll - 1).isLessThan(0.10);
    }
}
