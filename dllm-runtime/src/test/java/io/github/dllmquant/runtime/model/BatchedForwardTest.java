package io.github.dllmquant.runtime.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A batched forward of independent sequences gives each sequence its own single-sequence logits. */
class BatchedForwardTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llada", "tiny-dream"})
    void batchedLogitsEqualOneSequenceAtATime(String name) throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/" + name))) {
            SplittableRandom r = new SplittableRandom(9);
            List<int[]> sequences = List.of(r.ints(17, 0, 1000).toArray(), r.ints(5, 0, 1000).toArray(),
                    r.ints(40, 0, 1000).toArray());
            float[][] batched = model.forward(sequences);
            assertThat(batched.length).isEqualTo(3);
            for (int i = 0; i < sequences.size(); i++) {
                float[] alone = model.forward(sequences.get(i));
                assertThat(batched[i]).hasSameSizeAs(alone);
                for (int j = 0; j < alone.length; j++) {
                    assertThat(batched[i][j]).as("%s sequence %d logit %d", name, i, j).isCloseTo(alone[j], within(1e-4f));
                }
            }
        }
    }
}
