package io.github.dllmquant.core.kernels;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel tests run once per vector width (surefire executions set {@code dllmq.vectorBits});
 * this test makes sure the forced width was really honoured, so a width this CPU cannot do fails
 * instead of silently testing another one.
 */
class VectorWidthTest {

    @Test
    void forcedWidthIsHonoured() {
        String forced = System.getProperty(VectorWidth.PROPERTY);
        if (forced != null) {
            assertThat(VectorWidth.BITS).isEqualTo(Integer.parseInt(forced));
        }
        assertThat(VectorWidth.FLOAT.vectorBitSize()).isEqualTo(VectorWidth.BITS);
        assertThat(VectorWidth.INT.length()).isEqualTo(VectorWidth.FLOAT.length());
        assertThat(VectorWidth.BITS).isIn(128, 256, 512);
        assertThat(PanamaElementwiseKernels.INSTANCE.name()).isEqualTo("panama-" + VectorWidth.BITS);
    }
}
