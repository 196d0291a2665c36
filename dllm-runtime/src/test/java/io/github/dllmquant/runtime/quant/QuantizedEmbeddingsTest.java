package io.github.dllmquant.runtime.quant;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Quantized embedding tables (Recipe.embeddingBits): lookup, size, save and reload. */
class QuantizedEmbeddingsTest {

    private static final Path LLADA = Path.of("../examples/models/tiny-llada");
    private static final Path DREAM = Path.of("../examples/models/tiny-dream");
    private static final int[] IDS = {1018, 37, 43, 48, 61, 1020, 1020, 1020, 300, 12, 1020, 99};

    @TempDir
    Path tmp;

    @Test
    void rowsAreDequantizedOnLookupAndTheFolderReloadsToTheSameLogits() throws Exception {
        for (Path source : new Path[] {LLADA, DREAM}) {
            try (DiffusionLm model = DiffusionLm.load(source)) {
                int hidden = model.dims().hidden();
                float[] table = model.embeddings();
                int rows = table.length / hidden;
                QuantizedWeight q = WeightQuantizer.of(8, -1, false).quantize(table, rows, hidden);
                long before = model.parameterBytes();
                model.setQuantizedEmbeddings(q);
                // embed = the dequantized rows, exactly
                float[] x = model.embed(IDS);
                for (int t = 0; t < IDS.length; t++) {
                    for (int i = 0; i < hidden; i++) {
                        assertThat(x[t * hidden + i]).isEqualTo(q.dequantize(IDS[t], i));
                    }
                }
                // the dense table was F32 or BF16 (storage option); now it is the packed codes
                assertThat(before - model.parameterBytes()).isIn(4L * rows * hidden - q.packedBytes(),
                        2L * rows * hidden - q.packedBytes());
                Path out = tmp.resolve(source.getFileName() + "-emb8");
                model.save(out);
                assertThat(Files.readString(out.resolve("quantization_config.json"))).containsAnyOf("\"model.transformer.wte\"", "\"model.embed_tokens\"");
                assertThat(Files.size(out.resolve("model.safetensors")))
                        .isLessThan(Files.size(source.resolve("model.safetensors")) - rows * hidden / 2);
                float[] logits = model.logits(IDS);
                try (DiffusionLm back = DiffusionLm.load(out)) {
                    float[] again = back.logits(IDS);
                    for (int i = 0; i < logits.length; i++) {
                        assertThat(again[i]).as("%s logit %d", source, i).isCloseTo(logits[i], within(1e-4f));
                    }
                }
            }
        }
    }

    @Test
    void aRecipeQuantizesEmbeddingsAndHeadAtASmallCost() throws Exception {
        Tokenizer tokenizer = Tokenizers.load(LLADA);
        Calibration calibration = Calibration.defaultCorpus().samples(8).sequenceLength(64);
        try (DiffusionLm fp = DiffusionLm.load(LLADA); DiffusionLm q = DiffusionLm.load(LLADA)) {
            Calibrator.quantize(q, Recipe.rtn().scheme("w8a16").embeddingBits(8).quantizeLmHead(true), calibration,
                    tokenizer::encode, ProgressListener.NONE);
            assertThat(q.parameterBytes()).isLessThan(fp.parameterBytes() / 3);
            float[] a = fp.logits(IDS);
            float[] b = q.logits(IDS);
            double num = 0, den = 0;
            for (int i = 0; i < a.length; i++) {
                num += (a[i] - b[i]) * (a[i] - b[i]);
                den += a[i] * a[i];
            }
            assertThat(Math.sqrt(num / den)).as("relative logit error").isLessThan(0.02);
        }
        assertThatThrownBy(() -> Recipe.rtn().embeddingBits(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embedding bits");
    }
}
