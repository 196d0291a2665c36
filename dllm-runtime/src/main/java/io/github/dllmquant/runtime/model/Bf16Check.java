package io.github.dllmquant.runtime.model;

import io.github.dllmquant.runtime.config.ModelFormatException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Finds NaN/Inf in BF16 data without widening it: the exponent bits (0x7F80) all set. */
final class Bf16Check {

    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bf16Check() {
    }

    static void requireFinite(String name, MemorySegment data) throws ModelFormatException {
        long n = data.byteSize() / 2;
        for (long i = 0; i < n; i++) {
            short bits = data.get(BF16, 2 * i);
            if ((bits & 0x7F80) == 0x7F80) {
                float value = Float.intBitsToFloat(bits << 16);
                throw new ModelFormatException("tensor " + name + " holds " + value + " at flat index " + i);
            }
        }
    }
}
