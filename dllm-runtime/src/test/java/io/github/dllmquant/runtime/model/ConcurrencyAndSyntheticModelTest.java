package io.github.dllmquant.runtime.model;

import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.ModelConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One model serving concurrent calls; the seeded random-weight model; Dream's shift; id checks. */
class ConcurrencyAndSyntheticModelTest {

    @Test
    void eightConcurrentForwardsMatchTheSerialResults() throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/tiny-llada"))) {
            List<int[]> inputs = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int[] ids = new int[20 + 3 * c];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = (i * 37 + c * 101) % 1024;
                }
                inputs.add(ids);
            }
            List<float[]> serial = inputs.stream().map(model::logits).toList();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int rep = 0; rep < 2; rep++) {
                    for (int[] ids : inputs) {
                        futures.add(pool.submit(() -> model.logits(ids)));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    // not bit-exact: the Panama kernels' reductions round differently before and after C2
                    // compiles them (serial repeats differ by ~2e-5 too); a shared buffer would differ by O(1)
                    assertThat(QuantizableModelSpiTest.maxAbsDiff(futures.get(i).get(), serial.get(i % inputs.size())))
                            .isLessThanOrEqualTo(1e-4);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void dreamForwardIsTheShiftedRawLogits() throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/tiny-dream"))) {
            int[] ids = {3, 1020, 77, 1020, 500};
            int V = model.vocabSize();
            float[] raw = model.logits(ids);
            float[] shifted = model.forward(ids);
            assertThat(java.util.Arrays.copyOfRange(shifted, 0, V)).containsExactly(java.util.Arrays.copyOfRange(raw, 0, V));
            for (int i = 1; i < ids.length; i++) {
                assertThat(java.util.Arrays.copyOfRange(shifted, i * V, (i + 1) * V))
                        .containsExactly(java.util.Arrays.copyOfRange(raw, (i - 1) * V, i * V));
            }
        }
        try (DiffusionLm llada = DiffusionLm.load(Path.of("../examples/models/tiny-llada"))) {
            int[] ids = {3, 1020, 77};
            assertThat(llada.forward(ids)).containsExactly(llada.logits(ids));
        }
    }

    @Test
    void badIdsAreRefusedWithThePositionNamed() throws Exception {
        try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/tiny-llada"))) {
            assertThatThrownBy(() -> model.logits(new int[] {1, 2, 1024})).hasMessageContaining("token id 1024 at position 2");
            assertThatThrownBy(() -> model.logits(new int[0])).hasMessageContaining("empty");
            assertThatThrownBy(() -> model.logits(new int[1025])).hasMessageContaining("max_sequence_length");
        }
    }

    @Test
    void randomModelsAreSeededAndScaleLogitsApplies() {
        ModelConfig small = ModelConfig.builder(Architecture.LLADA).hidden(64).layers(2).heads(4).kvHeads(2)
                .intermediate(96).vocabSize(128).embeddingSize(128).maskTokenId(120).eosTokenId(121).padTokenId(121)
                .bosTokenId(122).maxSequenceLength(64).build();
        int[] ids = {1, 5, 120, 9, 120, 33};
        float[] a = DiffusionLm.random(small, 7).logits(ids);
        float[] b = DiffusionLm.random(small, 7).logits(ids);
        float[] c = DiffusionLm.random(small, 8).logits(ids);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
        for (float v : a) {
            assertThat(v).isFinite();
        }
        float[] scaled = DiffusionLm.random(small.toBuilder().scaleLogits(true).build(), 7).logits(ids);
        for (int i = 0; i < a.length; i++) {
            assertThat(scaled[i]).isCloseTo(a[i] / 8f, org.assertj.core.api.Assertions.within(1e-5f));
        }
        ModelConfig bench = DiffusionLm.benchmarkConfig1B();
        assertThat(bench.hidden()).isEqualTo(2048);
        assertThat(bench.layers()).isEqualTo(16);
        assertThat(bench.intermediate()).isEqualTo(5632);
    }
}
