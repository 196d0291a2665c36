package io.github.dllmquant.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named, typed, row-major view over little-endian tensor bytes in a {@link MemorySegment} (heap or
 * file-mapped). The view does not own the memory: a view from a file is valid until the file is closed.
 *
 * <p>Element {@code i} (flat, row-major) lives at byte {@code i·dtype.byteSize()}. Reads are unaligned:
 * a safetensors data buffer starts at {@code 8 + headerLength}, which writers other than the reference
 * may leave unaligned.
 */
public final class TensorView {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final MemorySegment data;
    private final long elements;

    /**
     * A view; checks that {@code data} holds exactly the bytes {@code shape} and {@code dtype} need.
     *
     * @throws IllegalArgumentException on a negative dimension or a size mismatch
     */
    public TensorView(String name, DType dtype, long[] shape, MemorySegment data) {
        this.name = Objects.requireNonNull(name, "name");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.data = Objects.requireNonNull(data, "data");
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        this.elements = n;
        long expected = dtype.bytesFor(n);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + dtype + " " + Arrays.toString(shape)
                    + " needs " + expected + " bytes, data has " + data.byteSize());
        }
    }

    /** The tensor name. */
    public String name() {
        return name;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape (empty for a scalar). */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** Number of elements (1 for a scalar, 0 if any dimension is 0). */
    public long elementCount() {
        return elements;
    }

    /** The raw little-endian bytes (a view, not a copy). */
    public MemorySegment data() {
        return data;
    }

    /** Element {@code index} (flat) as a float; F32, BF16, F16, F64 and the integer types. */
    public float getFloat(long index) {
        Objects.checkIndex(index, elements);
        return switch (dtype) {
            case F32 -> data.get(F32, index * 4);
            case BF16 -> Bf16.toFloat(data.get(I16, index * 2));
            case F16 -> F16.toFloat(data.get(I16, index * 2));
            case F64 -> (float) data.get(F64, index * 8);
            case I8, U8, I16, U16, I32, U32, I64, U64, BOOL -> (float) longAt(index);
            default -> throw unsupported("getFloat");
        };
    }

    /** The elements as floats: F32, BF16, F16 (exact), F64 (rounded). */
    public float[] toFloatArray() {
        int n = heapLength();
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32, 0, out, 0, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Bf16.toFloat(data.get(I16, 2L * i));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = F16.toFloat(data.get(I16, 2L * i));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) data.get(F64, 8L * i);
                }
            }
            default -> throw unsupported("toFloatArray");
        }
        return out;
    }

    /**
     * The elements as ints: BOOL, I8, U8, I16, U16, I32 always; U32, I64, U64 when every value fits.
     *
     * @throws ArithmeticException naming the index of the first value that does not fit
     */
    public int[] toIntArray() {
        requireInteger("toIntArray");
        int n = heapLength();
        int[] out = new int[n];
        if (dtype == DType.I32) {
            MemorySegment.copy(data, I32, 0, out, 0, n);
            return out;
        }
        for (int i = 0; i < n; i++) {
            long v = longAt(i);
            if (v != (int) v || (dtype == DType.U64 && v < 0)) {
                throw new ArithmeticException("tensor " + name + ": " + dtype + " value at index " + i + " ("
                        + (dtype == DType.U64 ? Long.toUnsignedString(v) : v) + ") does not fit an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /**
     * The elements as longs: every integer type and BOOL.
     *
     * @throws ArithmeticException for a U64 value above {@link Long#MAX_VALUE}
     */
    public long[] toLongArray() {
        requireInteger("toLongArray");
        int n = heapLength();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long v = longAt(i);
            if (dtype == DType.U64 && v < 0) {
                throw new ArithmeticException("tensor " + name + ": U64 value at index " + i + " ("
                        + Long.toUnsignedString(v) + ") does not fit a long");
            }
            out[i] = v;
        }
        return out;
    }

    /** A copy of the raw bytes on the heap. */
    public byte[] toByteArray() {
        heapLength();
        return data.toArray(ValueLayout.JAVA_BYTE);
    }

    private long longAt(long i) {
        return switch (dtype) {
            case BOOL, U8 -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case I16 -> data.get(I16, 2 * i);
            case U16 -> data.get(I16, 2 * i) & 0xFFFF;
            case I32 -> data.get(I32, 4 * i);
            case U32 -> data.get(I32, 4 * i) & 0xFFFFFFFFL;
            case I64, U64 -> data.get(I64, 8 * i);
            default -> throw unsupported("integer read");
        };
    }

    private void requireInteger(String what) {
        if (!dtype.isInteger() && dtype != DType.BOOL) {
            throw unsupported(what);
        }
    }

    private int heapLength() {
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor " + name + " has " + elements
                    + " elements, too many for one Java array");
        }
        return (int) elements;
    }

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(what + " is not supported for tensor " + name + " of dtype " + dtype);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
