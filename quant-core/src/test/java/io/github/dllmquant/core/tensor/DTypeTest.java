package io.github.dllmquant.core.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DTypeTest {

    @Test
    void everyFormatNameIsKnownWithItsWidth() {
        String[] names = {"BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
                "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"};
        int[] bits = {8, 4, 6, 6, 8, 8, 8, 8, 8, 8, 8, 16, 16, 16, 16, 32, 32, 32, 64, 64, 64, 64};
        assertThat(Arrays.stream(DType.values()).map(Enum::name)).containsExactly(names);
        for (int i = 0; i < names.length; i++) {
            assertThat(DType.fromName(names[i]).bits()).as(names[i]).isEqualTo(bits[i]);
        }
        assertThat(DType.BF16.byteSize()).isEqualTo(2);
        assertThat(DType.U64.byteSize()).isEqualTo(8);
    }

    @Test
    void misspelledNameSuggestsTheRightOne() {
        assertThatThrownBy(() -> DType.fromName("f32"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown dtype \"f32\"").hasMessageContaining("did you mean F32");
        assertThatThrownBy(() -> DType.fromName("BF61"))
                .hasMessageContaining("unknown dtype \"BF61\"").hasMessageContaining("known: [BOOL");
        assertThatThrownBy(() -> DType.fromName("FLOAT32")).hasMessageContaining("unknown dtype");
    }

    @Test
    void subByteSizesMustBeWholeBytes() {
        assertThat(DType.F4.bytesFor(6)).isEqualTo(3);
        assertThat(DType.F6_E2M3.bytesFor(4)).isEqualTo(3);
        assertThatThrownBy(() -> DType.F4.bytesFor(3)).isInstanceOf(ArithmeticException.class)
                .hasMessageContaining("not a whole number of bytes");
        assertThatThrownBy(() -> DType.F4.byteSize()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void sizeOverflowIsDetected() {
        assertThatThrownBy(() -> DType.F64.bytesFor(Long.MAX_VALUE / 4)).isInstanceOf(ArithmeticException.class);
        assertThat(DType.F32.bytesFor(1_000_000_000_000L)).isEqualTo(4_000_000_000_000L);
    }
}
