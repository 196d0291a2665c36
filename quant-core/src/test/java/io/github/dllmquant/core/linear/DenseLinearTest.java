package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.tensor.Bf16;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DenseLinear (F32 packed and BF16 in place) against a double-precision reference. */
class DenseLinearTest {

    @Test
    void f32MatchesReference() {
        Random rnd = new Random(3);
        int out = 67;
        int in = 301;
        int tokens = 9;
        float[] w = new float[out * in];
        float[] x = new float[tokens * in];
        float[] b = new float[out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < out; i++) {
            b[i] = rnd.nextFloat();
        }
        DenseLinear layer = DenseLinear.of(w, b, out, in);
        float[] y = new float[tokens * out];
        layer.forward(x, tokens, y);
        WeightOnlyLinearTest.assertCloseScaled(WeightOnlyLinearTest.reference(w, b, x, tokens, out, in), y, in);
        assertThat(layer.effectiveWeight()).containsExactly(w);
        assertThat(layer.bias()).containsExactly(b);
        assertThat(layer.format()).isEqualTo("f32");
        assertThat(layer.parameterBytes()).isGreaterThanOrEqualTo(4L * (out * in + out));
    }

    @Test
    void bf16InPlaceMatchesReference() {
        Random rnd = new Random(4);
        int out = 50;
        int in = 129;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment segment = arena.allocate(2L * out * in);
            float[] w = new float[out * in];
            for (int i = 0; i < w.length; i++) {
                short bits = Bf16.fromFloat((float) rnd.nextGaussian());
                segment.setAtIndex(ValueLayout.JAVA_SHORT, i, bits);
                w[i] = Bf16.toFloat(bits);
            }
            DenseLinear layer = DenseLinear.bf16(segment, null, out, in);
            for (int tokens : new int[]{1, 2, 7}) {
                float[] x = new float[tokens * in];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                }
                float[] y = new float[tokens * out];
                layer.forward(x, tokens, y);
                WeightOnlyLinearTest.assertCloseScaled(WeightOnlyLinearTest.reference(w, null, x, tokens, out, in), y, in);
            }
            assertThat(layer.effectiveWeight()).containsExactly(w);
            assertThat(layer.format()).isEqualTo("bf16");
            assertThat(layer.parameterBytes()).isEqualTo(2L * out * in);
        }
    }

    @Test
    void rejectsBadShapes() {
        assertThatThrownBy(() -> DenseLinear.of(new float[5], null, 2, 3)).hasMessageContaining("weight has 5 values");
        assertThatThrownBy(() -> DenseLinear.of(new float[6], new float[1], 2, 3)).hasMessageContaining("bias has 1");
        DenseLinear layer = DenseLinear.of(new float[6], null, 2, 3);
        assertThatThrownBy(() -> layer.forward(new float[6], 2, new float[3])).hasMessageContaining("y has 3 values");
    }
}
