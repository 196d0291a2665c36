package io.github.dllmquant.runtime.api;

import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.GenerationConfig;
import io.github.dllmquant.runtime.sampling.DreamAlgorithm;
import io.github.dllmquant.runtime.sampling.DreamSampling;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.Remasking;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DefaultSamplingTest {

    @Test
    void bundledLladaFolderGetsItsGenerationConfig() throws Exception {
        GenerationConfig g = GenerationConfig.load(Path.of("../examples/models/tiny-llada"));
        assertThat(DefaultSampling.of(Architecture.LLADA, g)).isEqualTo(LladaSampling.builder().steps(8).genLength(8)
                .blockLength(8).temperature(0).remasking(Remasking.LOW_CONFIDENCE).build());
    }

    @Test
    void bundledDreamFolderGetsItsGenerationConfig() throws Exception {
        GenerationConfig g = GenerationConfig.load(Path.of("../examples/models/tiny-dream"));
        DreamSampling s = (DreamSampling) DefaultSampling.of(Architecture.DREAM, g);
        assertThat(s).isEqualTo(DreamSampling.builder().steps(8).genLength(8).algorithm(DreamAlgorithm.ENTROPY)
                .algTemp(0).temperature(0).eps(0.001).build());
        assertThat(s.topK()).isEqualTo(OptionalInt.empty());
    }

    @Test
    void missingFileGivesTheSamplerDefaults() {
        assertThat(DefaultSampling.of(Architecture.LLADA, GenerationConfig.EMPTY)).isEqualTo(LladaSampling.builder().build());
        assertThat(DefaultSampling.of(Architecture.DREAM, GenerationConfig.EMPTY)).isEqualTo(DreamSampling.builder().build());
    }

    @Test
    void inconsistentFieldsNameTheFile() throws Exception {
        GenerationConfig g = GenerationConfig.parse("{\"gen_length\": 10, \"block_length\": 4}", Path.of("x.json"));
        assertThatThrownBy(() -> DefaultSampling.of(Architecture.LLADA, g))
                .hasMessage("generation_config.json gives unusable llada sampling settings: genLength 10 is not "
                        + "divisible by blockLength 4");
    }
}
