package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.SafeTensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forward pass against golden/logits.safetensors of both bundled models (an independent PyTorch
 * implementation, F32 compute from the BF16 weights): max |diff| ≤ 1e-3 and relative L2 ≤ 1e-4 per
 * sequence. Dream's golden logits are the raw (unshifted) rows.
 */
class GoldenLogitsTest {

    static final Path MODELS = Path.of("../examples/models");

    @ParameterizedTest
    @CsvSource({"tiny-llada,F32", "tiny-dream,F32", "tiny-llada,BF16_MAPPED", "tiny-dream,BF16_MAPPED"})
    void logitsMatchTheReference(String name, WeightStorage storage) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(MODELS.resolve(name), LoadOptions.defaults().withStorage(storage));
             SafeTensorsFile golden = SafeTensors.open(MODELS.resolve(name).resolve("golden/logits.safetensors"))) {
            assertThat(model.block(0).linear(io.github.dllmquant.core.spi.LinearRole.Q).format())
                    .isEqualTo(storage == WeightStorage.F32 ? "f32" : "bf16");
            int sequences = 0;
            for (int n = 0; golden.contains("input_ids." + n); n++) {
                sequences++;
                compare(name, n, golden, model);
            }
            assertThat(sequences).as("golden sequences of " + name).isGreaterThanOrEqualTo(2);
        }
    }

    private static void compare(String name, int n, SafeTensorsFile golden, DiffusionLm model) throws Exception {
        {
            long[] ids64 = golden.tensor("input_ids." + n).toLongArray();
            float[] expected = golden.tensor("logits." + n).toFloatArray();
            int[] ids = new int[ids64.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = Math.toIntExact(ids64[i]);
            }
            float[] actual = model.logits(ids);
            assertThat(actual).hasSize(expected.length);
            double maxDiff = 0;
            double diff2 = 0;
            double ref2 = 0;
            for (int i = 0; i < expected.length; i++) {
                double d = actual[i] - expected[i];
                maxDiff = Math.max(maxDiff, Math.abs(d));
                diff2 += d * d;
                ref2 += (double) expected[i] * expected[i];
            }
            double relL2 = Math.sqrt(diff2 / ref2);
            System.out.printf("%s logits.%d: max |diff| %.3g, relative L2 %.3g%n", name, n, maxDiff, relL2);
            assertThat(maxDiff).as("max |diff|").isLessThanOrEqualTo(1e-3);
            assertThat(relL2).as("relative L2").isLessThanOrEqualTo(1e-4);
        }
    }
}
