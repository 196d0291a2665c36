package io.github.dllmquant.core.safetensors;

import io.github.dllmquant.core.tensor.DType;

import java.util.Arrays;

/**
 * One validated header entry: a tensor's name, dtype, shape and byte range {@code [begin, end)}
 * relative to the start of the data buffer (which follows the 8-byte length and the header).
 *
 * @param name  tensor name
 * @param dtype element type
 * @param shape dimensions (empty for a scalar)
 * @param begin first byte in the data buffer
 * @param end   one past the last byte
 */
public record TensorEntry(String name, DType dtype, long[] shape, long begin, long end) {

    /** Copies the shape. */
    public TensorEntry {
        shape = shape.clone();
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Bytes of the tensor. */
    public long byteSize() {
        return end - begin;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
