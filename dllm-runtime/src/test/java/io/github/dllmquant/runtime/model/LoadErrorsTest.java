package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.SafeTensorsFile;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.tensor.TensorView;
import io.github.dllmquant.runtime.config.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Broken folders fail at load with messages naming what was expected. */
class LoadErrorsTest {

    private static final Path LLADA = Path.of("../examples/models/tiny-llada");

    @TempDir
    Path tmp;

    @Test
    void moreLayersInTheConfigThanInTheWeightsListsTheMissingTensors() throws IOException {
        Path folder = copyWithConfig(s -> s.replace("\"n_layers\": 6", "\"n_layers\": 7"));
        assertThatThrownBy(() -> DiffusionLm.load(folder))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("missing model.transformer.blocks.6.q_proj.weight [256, 256]")
                .hasMessageContaining("missing model.transformer.blocks.6.ff_out.weight [256, 768]")
                .hasMessageContaining("problem(s)");
    }

    @Test
    void aWiderMlpInTheConfigListsTheShapeMismatches() throws IOException {
        Path folder = copyWithConfig(s -> s.replace("\"mlp_hidden_size\": 768", "\"mlp_hidden_size\": 512"));
        assertThatThrownBy(() -> DiffusionLm.load(folder))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("model.transformer.blocks.0.ff_proj.weight has shape [768, 256], config.json implies [512, 256]")
                .hasMessageContaining("18 problem(s)");
    }

    @Test
    void aMissingLmHeadIsNamed() throws IOException {
        Path folder = copyWithConfig(s -> s);
        rewriteWeights(folder, "model.transformer.ff_out.weight", null);
        assertThatThrownBy(() -> DiffusionLm.load(folder))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("missing model.transformer.ff_out.weight [1024, 256]");
    }

    @Test
    void aNanWeightIsNamedAtLoad() throws IOException {
        Path folder = copyWithConfig(s -> s);
        rewriteWeights(folder, "model.transformer.blocks.3.up_proj.weight", Float.NaN);
        assertThatThrownBy(() -> DiffusionLm.load(folder))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(folder.toString())
                .hasMessageContaining("model.transformer.blocks.3.up_proj.weight")
                .hasMessageContaining("NaN");
    }

    @Test
    void anInfiniteWeightIsNamedWithTheFolderInEitherStorage() throws IOException {
        Path folder = copyWithConfig(s -> s);
        rewriteWeights(folder, "model.transformer.blocks.1.attn_out.weight", Float.NEGATIVE_INFINITY);
        for (WeightStorage storage : WeightStorage.values()) {
            assertThatThrownBy(() -> DiffusionLm.load(folder, LoadOptions.defaults().withStorage(storage)))
                    .as(storage.name())
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageStartingWith(folder.toString())
                    .hasMessageContaining("model.transformer.blocks.1.attn_out.weight")
                    .hasMessageContaining("Infinity");
        }
    }

    @Test
    void aNonFiniteScaleInAQuantizedFolderIsNamed() throws IOException {
        Path saved = tmp.resolve("quantized");
        try (DiffusionLm model = DiffusionLm.load(LLADA)) {
            SaveLoadTest.quantizeInPlace(model);
            model.save(saved);
        }
        String scales = "model.transformer.blocks.0.k_proj.scales";
        rewriteWeights(saved, scales, Float.NaN);
        assertThatThrownBy(() -> DiffusionLm.load(saved))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(saved.toString())
                .hasMessageContaining(scales)
                .hasMessageContaining("NaN");
    }

    @Test
    void anUnknownModelTypeIsRefused() throws IOException {
        Path folder = copyWithConfig(s -> s.replace("\"model_type\": \"llada\"", "\"model_type\": \"gpt2\""));
        assertThatThrownBy(() -> DiffusionLm.load(folder)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("gpt2");
    }

    private Path copyWithConfig(java.util.function.UnaryOperator<String> edit) throws IOException {
        Path folder = tmp.resolve("model");
        Files.createDirectories(folder);
        String config = Files.readString(LLADA.resolve("config.json"));
        String edited = edit.apply(config);
        Files.writeString(folder.resolve("config.json"), edited);
        Files.copy(LLADA.resolve("model.safetensors"), folder.resolve("model.safetensors"));
        return folder;
    }

    /** Rewrites model.safetensors dropping {@code name} (value null) or setting its element 5 to value. */
    private static void rewriteWeights(Path folder, String name, Float value) throws IOException {
        Path file = folder.resolve("model.safetensors");
        SafeTensorsWriter writer = new SafeTensorsWriter();
        try (SafeTensorsFile in = SafeTensors.open(file)) {
            for (String n : in.names()) {
                TensorView t = in.tensor(n);
                if (!n.equals(name)) {
                    writer.add(t); // same dtype and bytes
                } else if (value != null) {
                    float[] v = t.toFloatArray();
                    v[5] = value;
                    if (t.dtype() == io.github.dllmquant.core.tensor.DType.BF16) {
                        writer.addBf16(n, t.shape(), v); // NaN and infinities are exact in BF16
                    } else {
                        writer.addF32(n, t.shape(), v);
                    }
                }
            }
            Path out = folder.resolve("rewritten.safetensors");
            writer.write(out);
            in.close();
            Files.move(out, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
