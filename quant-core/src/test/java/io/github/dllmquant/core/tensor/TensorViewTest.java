package io.github.dllmquant.core.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorViewTest {

    private static MemorySegment le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return MemorySegment.ofArray(b.array());
    }

    @Test
    void readsLittleEndianFloats() {
        TensorView f32 = new TensorView("w", DType.F32, new long[]{2, 2},
                le(16, b -> b.putFloat(1f).putFloat(-2.5f).putFloat(3f).putFloat(0.125f)));
        assertThat(f32.toFloatArray()).containsExactly(1f, -2.5f, 3f, 0.125f);
        assertThat(f32.getFloat(3)).isEqualTo(0.125f);
        assertThat(f32.elementCount()).isEqualTo(4);

        TensorView bf = new TensorView("b", DType.BF16, new long[]{2},
                le(4, b -> b.putShort((short) 0x3F80).putShort((short) 0xC049)));
        assertThat(bf.toFloatArray()).containsExactly(1f, -3.140625f);

        TensorView half = new TensorView("h", DType.F16, new long[]{2},
                le(4, b -> b.putShort((short) 0x3C00).putShort((short) 0x0001)));
        assertThat(half.toFloatArray()).containsExactly(1f, 0x1.0p-24f);
        assertThat(half.getFloat(1)).isEqualTo(0x1.0p-24f);
    }

    @Test
    void readsIntegersWithTheirSignedness() {
        TensorView u8 = new TensorView("u", DType.U8, new long[]{2}, MemorySegment.ofArray(new byte[]{(byte) 0xFF, 7}));
        assertThat(u8.toIntArray()).containsExactly(255, 7);
        TensorView i8 = new TensorView("i", DType.I8, new long[]{2}, MemorySegment.ofArray(new byte[]{(byte) 0xFF, 7}));
        assertThat(i8.toIntArray()).containsExactly(-1, 7);
        TensorView u16 = new TensorView("u16", DType.U16, new long[]{1}, le(2, b -> b.putShort((short) 0xFFFE)));
        assertThat(u16.toIntArray()).containsExactly(65534);
        TensorView i64 = new TensorView("l", DType.I64, new long[]{2}, le(16, b -> b.putLong(-5).putLong(1L << 40)));
        assertThat(i64.toLongArray()).containsExactly(-5L, 1L << 40);
        assertThatThrownBy(i64::toIntArray).isInstanceOf(ArithmeticException.class).hasMessageContaining("index 1");
        TensorView u32 = new TensorView("u32", DType.U32, new long[]{1}, le(4, b -> b.putInt(-1)));
        assertThat(u32.toLongArray()).containsExactly(0xFFFFFFFFL);
        TensorView i32 = new TensorView("i32", DType.I32, new long[]{}, le(4, b -> b.putInt(-7)));
        assertThat(i32.toIntArray()).containsExactly(-7);
        assertThat(i32.rank()).isZero();
    }

    @Test
    void rejectsWrongSizesAndUnsupportedReads() {
        assertThatThrownBy(() -> new TensorView("w", DType.F32, new long[]{3}, MemorySegment.ofArray(new byte[8])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 12 bytes, data has 8");
        TensorView f32 = new TensorView("w", DType.F32, new long[]{2}, MemorySegment.ofArray(new byte[8]));
        assertThatThrownBy(f32::toIntArray).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("F32");
        assertThatThrownBy(() -> f32.getFloat(2)).isInstanceOf(IndexOutOfBoundsException.class);
        TensorView empty = new TensorView("e", DType.F32, new long[]{0, 5}, MemorySegment.ofArray(new byte[0]));
        assertThat(empty.toFloatArray()).isEmpty();
    }
}
