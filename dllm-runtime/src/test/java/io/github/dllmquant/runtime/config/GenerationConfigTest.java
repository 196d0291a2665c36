package io.github.dllmquant.runtime.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerationConfigTest {

    @Test
    void lladaDialect() throws Exception {
        GenerationConfig g = GenerationConfig.load(ModelConfigTest.LLADA);
        assertThat(g.steps()).hasValue(8);
        assertThat(g.genLength()).hasValue(8);
        assertThat(g.blockLength()).hasValue(8);
        assertThat(g.temperature()).hasValue(0.0);
        assertThat(g.remasking()).hasValue("low_confidence");
        assertThat(g.maskTokenId()).hasValue(1020);
        assertThat(g.eosTokenIds()).containsExactly(1019);
        assertThat(g.bosTokenId()).hasValue(1018);
        assertThat(g.alg()).isEmpty();
        assertThat(g.maxNewTokens()).isEmpty();
    }

    @Test
    void dreamDialect() throws Exception {
        GenerationConfig g = GenerationConfig.load(ModelConfigTest.DREAM);
        assertThat(g.alg()).hasValue("entropy");
        assertThat(g.algTemp()).hasValue(0.0);
        assertThat(g.steps()).hasValue(8);
        assertThat(g.maxNewTokens()).hasValue(8);
        assertThat(g.eps()).hasValue(0.001);
        assertThat(g.temperature()).hasValue(0.0);
        assertThat(g.topP()).isEmpty();
        assertThat(g.topK()).isEmpty();
        assertThat(g.padTokenId()).hasValue(1019);
        assertThat(g.genLength()).isEmpty();
    }

    @Test
    void missingFileIsEmpty(@TempDir Path dir) throws Exception {
        assertThat(GenerationConfig.load(dir)).isEqualTo(GenerationConfig.EMPTY);
    }

    @Test
    void invalidValuesAreNamed() {
        Path p = Path.of("m/generation_config.json");
        assertThatThrownBy(() -> GenerationConfig.parse("{\"remasking\": \"lowest\"}", p))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("remasking").hasMessageContaining("lowest");
        assertThatThrownBy(() -> GenerationConfig.parse("{\"alg\": \"greedy\"}", p))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("alg");
        assertThatThrownBy(() -> GenerationConfig.parse("{\"steps\": 0}", p))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("steps");
        assertThatThrownBy(() -> GenerationConfig.parse("{\"top_p\": 1.5}", p))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("top_p");
        assertThatThrownBy(() -> GenerationConfig.parse("{\"eps\": 0}", p))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("m/generation_config.json");
    }

    @Test
    void eosList() throws Exception {
        GenerationConfig g = GenerationConfig.parse("{\"eos_token_id\": [5, 7], \"top_k\": null}", Path.of("g.json"));
        assertThat(g.eosTokenIds()).isEqualTo(List.of(5, 7));
        assertThat(g.topK()).isEmpty();
    }
}
