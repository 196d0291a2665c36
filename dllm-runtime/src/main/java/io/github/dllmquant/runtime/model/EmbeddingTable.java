package io.github.dllmquant.runtime.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The token embedding table {@code [rows, hidden]}: either F32 on the heap, or BF16 read in place
 * from the mapped checkpoint (so an 8B model's 1 GB table is not copied). Immutable.
 */
sealed interface EmbeddingTable {

    /** Rows (the vocabulary size the model accepts). */
    int rows();

    /** Width of each row. */
    int hidden();

    /** Copies row {@code id} to {@code dst[off, off+hidden)} as F32. */
    void copyRow(int id, float[] dst, int off);

    /** The whole table as a new F32 array {@code [rows, hidden]}. */
    default float[] toFloatArray() {
        float[] out = new float[rows() * hidden()];
        for (int r = 0; r < rows(); r++) {
            copyRow(r, out, r * hidden());
        }
        return out;
    }

    /** Bytes the table occupies (heap or mapped). */
    long bytes();

    /** A table over a heap array {@code [rows, hidden]}, not copied. */
    record F32(float[] table, int rows, int hidden) implements EmbeddingTable {
        public F32 {
            if (table.length != (long) rows * hidden) {
                throw new IllegalArgumentException("embedding table has " + table.length + " values, expected "
                        + rows + "*" + hidden);
            }
        }

        @Override
        public void copyRow(int id, float[] dst, int off) {
            System.arraycopy(table, id * hidden, dst, off, hidden);
        }

        @Override
        public long bytes() {
            return 4L * table.length;
        }
    }

    /** A table over little-endian BF16 values in a (mapped) segment of {@code rows·hidden·2} bytes. */
    record Bf16(MemorySegment data, int rows, int hidden) implements EmbeddingTable {
        private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(
                java.nio.ByteOrder.LITTLE_ENDIAN);

        public Bf16 {
            if (data.byteSize() != 2L * rows * hidden) {
                throw new IllegalArgumentException("BF16 embedding has " + data.byteSize() + " bytes, expected "
                        + rows + "*" + hidden + "*2");
            }
        }

        @Override
        public void copyRow(int id, float[] dst, int off) {
            long base = 2L * id * hidden;
            for (int i = 0; i < hidden; i++) {
                // BF16 is the upper half of an F32: widening is exact
                dst[off + i] = Float.intBitsToFloat(data.get(BF16, base + 2L * i) << 16);
            }
        }

        @Override
        public long bytes() {
            return data.byteSize();
        }
    }

    /**
     * A table stored as quantized codes ({@code Recipe.embeddingBits}): each looked-up row is dequantized
     * on the fly, {@code s·(q − z)} per group, so the table keeps its packed size in memory and on disk.
     */
    record Quantized(io.github.dllmquant.core.quant.QuantizedWeight weight) implements EmbeddingTable {

        @Override
        public int rows() {
            return weight.out();
        }

        @Override
        public int hidden() {
            return weight.in();
        }

        @Override
        public void copyRow(int id, float[] dst, int off) {
            int in = weight.in();
            int g = weight.groupSize();
            int groups = weight.groups();
            byte[] codes = weight.codes();
            float[] scales = weight.scales();
            float[] zeros = weight.zeros();
            for (int i = 0; i < in; i++) {
                int group = id * groups + i / g;
                dst[off + i] = scales[group] * ((codes[id * in + i] & 0xFF) - zeros[group]);
            }
        }

        @Override
        public long bytes() {
            return weight.packedBytes();
        }
    }
}
