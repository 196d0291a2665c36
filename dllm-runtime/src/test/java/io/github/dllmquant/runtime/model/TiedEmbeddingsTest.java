package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.SafeTensorsFile;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.safetensors.TensorSource;
import io.github.dllmquant.core.tensor.TensorView;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Dream folder with {@code tie_word_embeddings}: the head is the embedding table (read once, in place
 * under BF16_MAPPED); saving keeps the tie while the head is unchanged and unties it (config and tensor)
 * once the head was replaced.
 */
class TiedEmbeddingsTest {

    private static final int[] IDS = {3, 1020, 77, 1020, 500, 9};

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(WeightStorage.class)
    void aTiedHeadIsTheEmbeddingTableAndStaysTiedUntilReplaced(WeightStorage storage) throws Exception {
        Path tied = tmp.resolve("tied");
        Files.createDirectories(tied);
        Path dream = Path.of("../examples/models/tiny-dream");
        Files.writeString(tied.resolve("config.json"), Files.readString(dream.resolve("config.json"))
                .replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true"));
        SafeTensorsWriter writer = new SafeTensorsWriter();
        try (SafeTensorsFile in = SafeTensors.open(dream.resolve("model.safetensors"))) {
            for (String name : in.names()) {
                if (!name.equals("lm_head.weight")) {
                    TensorView t = in.tensor(name);
                    writer.addBf16(name, t.shape(), t.toFloatArray());
                }
            }
            writer.write(tied.resolve("model.safetensors"));
        }
        try (DiffusionLm model = DiffusionLm.load(tied, LoadOptions.defaults().withStorage(storage))) {
            assertThat(model.lmHead().effectiveWeight()).isEqualTo(model.embeddings());
            float[] before = model.logits(IDS);

            Path kept = tmp.resolve("kept");
            model.save(kept);
            assertThat(Files.readString(kept.resolve("config.json"))).contains("\"tie_word_embeddings\": true");
            try (TensorSource saved = SafeTensors.openModel(kept)) {
                assertThat(saved.contains("lm_head.weight")).isFalse();
            }

            Linear head = model.lmHead();
            float[] w = head.effectiveWeight();
            for (int i = 0; i < w.length; i++) {
                w[i] *= 0.5f;
            }
            model.setLmHead(DenseLinear.of(w, null, head.outFeatures(), head.inFeatures()));
            float[] halved = model.logits(IDS);
            Path untied = tmp.resolve("untied");
            model.save(untied);
            assertThat(Files.readString(untied.resolve("config.json"))).contains("\"tie_word_embeddings\" : false");
            try (DiffusionLm again = DiffusionLm.load(untied)) {
                assertThat(QuantizableModelSpiTest.maxAbsDiff(again.logits(IDS), halved)).isLessThanOrEqualTo(1e-4);
            }
            for (int i = 0; i < before.length; i++) {
                assertThat(halved[i]).isCloseTo(before[i] * 0.5f, org.assertj.core.api.Assertions.within(1e-3f));
            }
        }
    }
}
