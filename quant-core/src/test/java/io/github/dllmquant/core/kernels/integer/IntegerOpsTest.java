package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.concurrent.ThreadPool;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntegerOpsTest {

    @Test
    void multiThreadedGemmEqualsSingleThreaded() {
        Random rnd = new Random(4);
        Int8Weights w = Int8Weights.of(PanamaIntegerKernelsTest.weight(rnd, 203, 256, 8, 64, false, false));
        QuantizedActivations a = IntegerOps.quantizePerToken(PanamaIntegerKernelsTest.activations(rnd, 13 * 256, false),
                13, 256, 64, ActivationQuantizer.asymmetric(8));
        float[] single = new float[13 * 203];
        IntegerOps.gemm(w, a, single, 0, 203);
        try (ThreadPool pool = ThreadPool.create(3, "int-test-")) {
            float[] multi = new float[13 * 203];
            IntegerOps.gemm(w, a, multi, pool);
            assertThat(multi).containsExactly(single);
        }
    }

    @Test
    void rowChunksAreTileMultiples() {
        assertThat(IntegerOps.rowChunk(4096, 2)).isEqualTo(512);
        assertThat(IntegerOps.rowChunk(10, 2)).isEqualTo(16);
        assertThat(IntegerOps.rowChunk(1000, 3) % 4).isZero();
    }

    @Test
    void gemmRejectsMismatchedShapes() {
        Random rnd = new Random(4);
        Int8Weights w = Int8Weights.of(PanamaIntegerKernelsTest.weight(rnd, 4, 64, 8, 32, true, false));
        QuantizedActivations a = IntegerOps.quantizePerToken(new float[2 * 32], 2, 32, 32, ActivationQuantizer.symmetric(8));
        assertThatThrownBy(() -> IntegerOps.gemm(w, a, new float[8], 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("K mismatch: activations have 32 columns, weights have 64");
        QuantizedActivations b = IntegerOps.quantizePerToken(new float[2 * 64], 2, 64, 64, ActivationQuantizer.symmetric(8));
        assertThatThrownBy(() -> IntegerOps.gemm(w, b, new float[8], 0, 4)).hasMessageContaining("group mismatch");
    }
}
