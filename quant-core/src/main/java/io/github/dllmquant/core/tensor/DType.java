package io.github.dllmquant.core.tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every element type the safetensors format names, in the declaration order of the reference
 * implementation (huggingface/safetensors {@code Dtype}), so {@link #ordinal()} is its sort rank: the
 * reference writer lays tensors out by descending dtype, then by name.
 *
 * <p>Each constant states its width in bits once; byte sizes are computed from it. Sub-byte types
 * ({@link #F4}, {@link #F6_E2M3}, {@link #F6_E3M2}) are listed so files holding them can be read and
 * inspected, even where the SDK cannot compute with them.
 */
public enum DType {
    /** Boolean, one byte per element. */
    BOOL(8, Kind.BOOL),
    /** FP4 E2M1 (two elements per byte). */
    F4(4, Kind.FLOAT),
    /** FP6 E2M3 (OCP microscaling). */
    F6_E2M3(6, Kind.FLOAT),
    /** FP6 E3M2 (OCP microscaling). */
    F6_E3M2(6, Kind.FLOAT),
    /** Unsigned byte. */
    U8(8, Kind.UNSIGNED),
    /** Signed byte. */
    I8(8, Kind.SIGNED),
    /** FP8 E5M2. */
    F8_E5M2(8, Kind.FLOAT),
    /** FP8 E4M3 (fn). */
    F8_E4M3(8, Kind.FLOAT),
    /** FP8 E8M0 (scale type of the OCP microscaling formats). */
    F8_E8M0(8, Kind.FLOAT),
    /** FP8 E4M3 fnuz (AMD). */
    F8_E4M3FNUZ(8, Kind.FLOAT),
    /** FP8 E5M2 fnuz (AMD). */
    F8_E5M2FNUZ(8, Kind.FLOAT),
    /** Signed 16-bit integer. */
    I16(16, Kind.SIGNED),
    /** Unsigned 16-bit integer. */
    U16(16, Kind.UNSIGNED),
    /** IEEE half precision. */
    F16(16, Kind.FLOAT),
    /** Brain floating point. */
    BF16(16, Kind.FLOAT),
    /** Signed 32-bit integer. */
    I32(32, Kind.SIGNED),
    /** Unsigned 32-bit integer. */
    U32(32, Kind.UNSIGNED),
    /** IEEE single precision. */
    F32(32, Kind.FLOAT),
    /** Complex number of two F32 parts. */
    C64(64, Kind.COMPLEX),
    /** IEEE double precision. */
    F64(64, Kind.FLOAT),
    /** Signed 64-bit integer. */
    I64(64, Kind.SIGNED),
    /** Unsigned 64-bit integer. */
    U64(64, Kind.UNSIGNED);

    /** The family of an element type. */
    public enum Kind {
        /** Boolean. */
        BOOL,
        /** Floating point. */
        FLOAT,
        /** Two's complement integer. */
        SIGNED,
        /** Unsigned integer. */
        UNSIGNED,
        /** Complex. */
        COMPLEX
    }

    private final int bits;
    private final Kind kind;

    DType(int bits, Kind kind) {
        this.bits = bits;
        this.kind = kind;
    }

    /** Width of one element in bits. */
    public int bits() {
        return bits;
    }

    /** The family of this type. */
    public Kind kind() {
        return kind;
    }

    /** Whether elements are at least one byte wide (false for F4 and the F6 types). */
    public boolean byteAligned() {
        return bits % 8 == 0;
    }

    /** Bytes of one element; only for byte-aligned types. */
    public int byteSize() {
        if (!byteAligned()) {
            throw new UnsupportedOperationException(name() + " elements are " + bits + " bits, not whole bytes");
        }
        return bits / 8;
    }

    /** Whether this is an integer type (signed or unsigned; not BOOL). */
    public boolean isInteger() {
        return kind == Kind.SIGNED || kind == Kind.UNSIGNED;
    }

    /**
     * Bytes taken by {@code elements} elements.
     *
     * @throws ArithmeticException if the size overflows a long or is not a whole number of bytes
     */
    public long bytesFor(long elements) {
        if (elements < 0) {
            throw new ArithmeticException("negative element count " + elements);
        }
        long totalBits = Math.multiplyExact(elements, (long) bits);
        if (totalBits % 8 != 0) {
            throw new ArithmeticException(elements + " elements of " + name() + " take " + totalBits
                    + " bits, not a whole number of bytes");
        }
        return totalBits / 8;
    }

    /**
     * The type a safetensors header names, matched exactly (names are case sensitive).
     *
     * @throws IllegalArgumentException naming the unknown name and the closest known ones
     */
    public static DType fromName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("dtype name is null");
        }
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype \"" + name + "\"" + suggestion(name)
                + "; known: " + List.of(values()));
    }

    private static String suggestion(String name) {
        List<DType> close = new ArrayList<>();
        for (DType t : values()) {
            if (t.name().equalsIgnoreCase(name) || Names.editDistance(t.name(), name.toUpperCase()) <= 1) {
                close.add(t);
            }
        }
        close.sort(Comparator.comparingInt(t -> Names.editDistance(t.name(), name.toUpperCase())));
        return close.isEmpty() ? "" : " (did you mean " + close.getFirst() + "?)";
    }
}
