package io.github.dllmquant.core.safetensors;

import io.github.dllmquant.core.io.AtomicFiles;
import io.github.dllmquant.core.tensor.Bf16;
import io.github.dllmquant.core.tensor.DType;
import io.github.dllmquant.core.tensor.F16;
import io.github.dllmquant.core.tensor.TensorView;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Collects tensors and metadata, then writes one safetensors file crash-safely: the bytes go to a
 * temporary file in the target's folder, are forced to disk, and the temporary file is renamed over
 * the target atomically. A crash leaves the old file or the new one, never a half-written one.
 *
 * <p>The layout matches the reference writer (huggingface/safetensors {@code prepare}): tensors sorted
 * by descending dtype rank ({@link DType#ordinal()}), then by name compared as UTF-8 bytes; the header
 * JSON is {@code __metadata__} first (keys sorted) then the tensors in that order, compact, padded with
 * spaces to a multiple of 8 bytes.
 *
 * <p>Arrays are referenced, not copied, until {@link #write(Path)}: do not modify them before.
 */
public final class SafeTensorsWriter {

    private static final int CHUNK = 1 << 20;
    private static final ValueLayout F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Writes one tensor's little-endian bytes. */
    @FunctionalInterface
    private interface Payload {
        void writeTo(ChunkedOutput out) throws IOException;
    }

    private record Pending(String name, DType dtype, long[] shape, long bytes, Payload payload) {
    }

    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new TreeMap<>();

    /** An empty writer. */
    public SafeTensorsWriter() {
    }

    /** Adds a metadata entry ({@code __metadata__}). */
    public SafeTensorsWriter putMetadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Adds every entry of {@code entries} to the metadata. */
    public SafeTensorsWriter putMetadata(Map<String, String> entries) {
        entries.forEach(this::putMetadata);
        return this;
    }

    /** Adds an F32 tensor. */
    public SafeTensorsWriter addF32(String name, long[] shape, float[] values) {
        return add(name, DType.F32, shape, values.length, out -> out.put(MemorySegment.ofArray(values), F32_LE));
    }

    /** Adds a BF16 tensor, rounding {@code values} to nearest even ({@link Bf16#fromFloat}). */
    public SafeTensorsWriter addBf16(String name, long[] shape, float[] values) {
        return add(name, DType.BF16, shape, values.length, out -> {
            for (float v : values) {
                out.putShort(Bf16.fromFloat(v));
            }
        });
    }

    /** Adds an F16 tensor, rounding {@code values} to nearest even ({@link F16#fromFloat}). */
    public SafeTensorsWriter addF16(String name, long[] shape, float[] values) {
        return add(name, DType.F16, shape, values.length, out -> {
            for (float v : values) {
                out.putShort(F16.fromFloat(v));
            }
        });
    }

    /** Adds an I32 tensor. */
    public SafeTensorsWriter addI32(String name, long[] shape, int[] values) {
        return add(name, DType.I32, shape, values.length, out -> out.put(MemorySegment.ofArray(values), I32_LE));
    }

    /** Adds an I64 tensor. */
    public SafeTensorsWriter addI64(String name, long[] shape, long[] values) {
        return add(name, DType.I64, shape, values.length, out -> out.put(MemorySegment.ofArray(values), I64_LE));
    }

    /** Adds a U8 tensor (bytes taken as unsigned). */
    public SafeTensorsWriter addU8(String name, long[] shape, byte[] values) {
        return add(name, DType.U8, shape, values.length, out -> out.put(MemorySegment.ofArray(values)));
    }

    /** Adds an I8 tensor. */
    public SafeTensorsWriter addI8(String name, long[] shape, byte[] values) {
        return add(name, DType.I8, shape, values.length, out -> out.put(MemorySegment.ofArray(values)));
    }

    /** Adds a tensor of any dtype from its raw little-endian bytes. */
    public SafeTensorsWriter addRaw(String name, DType dtype, long[] shape, byte[] bytes) {
        return addRaw(name, dtype, shape, MemorySegment.ofArray(bytes));
    }

    /**
     * Adds a tensor of any dtype from its raw little-endian bytes in {@code bytes}, which must stay
     * readable until {@link #write(Path)} (e.g. a view of a file still open).
     */
    public SafeTensorsWriter addRaw(String name, DType dtype, long[] shape, MemorySegment bytes) {
        long expected = bytesOf(name, dtype, shape);
        if (bytes.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + dtype + " " + Arrays.toString(shape)
                    + " needs " + expected + " bytes, got " + bytes.byteSize());
        }
        return addChecked(name, dtype, shape, expected, out -> out.put(bytes));
    }

    /** Adds a copy of {@code view} (its bytes are read at {@link #write(Path)} time). */
    public SafeTensorsWriter add(TensorView view) {
        return addRaw(view.name(), view.dtype(), view.shape(), view.data());
    }

    /** Whether a tensor called {@code name} was added. */
    public boolean contains(String name) {
        return names.contains(name);
    }

    private SafeTensorsWriter add(String name, DType dtype, long[] shape, long length, Payload payload) {
        long bytes = bytesOf(name, dtype, shape);
        if (bytes / (dtype.bits() / 8) != length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " has "
                    + bytes / (dtype.bits() / 8) + " elements but " + length + " values were given");
        }
        return addChecked(name, dtype, shape, bytes, payload);
    }

    private SafeTensorsWriter addChecked(String name, DType dtype, long[] shape, long bytes, Payload payload) {
        if (name.equals(HeaderParser.METADATA_KEY)) {
            throw new IllegalArgumentException("a tensor cannot be called " + HeaderParser.METADATA_KEY);
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("tensor " + name + " was already added");
        }
        tensors.add(new Pending(name, dtype, shape.clone(), bytes, payload));
        return this;
    }

    private static long bytesOf(String name, DType dtype, long[] shape) {
        Objects.requireNonNull(name, "name");
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return dtype.bytesFor(n);
    }

    /**
     * Writes the file atomically (temporary file in the same folder, fsync, atomic rename over
     * {@code target}). On failure the temporary file is deleted and {@code target} is untouched.
     */
    public void write(Path target) throws IOException {
        List<Pending> order = new ArrayList<>(tensors);
        order.sort((a, b) -> a.dtype() != b.dtype() ? b.dtype().compareTo(a.dtype()) : compareUtf8(a.name(), b.name()));
        byte[] header = header(order);
        AtomicFiles.write(target, ch -> {
            ChunkedOutput out = new ChunkedOutput(ch);
            out.putLong(header.length);
            out.put(MemorySegment.ofArray(header));
            for (Pending p : order) {
                long before = out.written();
                p.payload().writeTo(out);
                if (out.written() - before != p.bytes()) {
                    throw new IllegalStateException("tensor " + p.name() + " wrote " + (out.written() - before)
                            + " bytes, expected " + p.bytes());
                }
            }
            out.flush();
        });
    }

    private byte[] header(List<Pending> order) {
        StringBuilder sb = new StringBuilder(64 + 96 * order.size());
        sb.append('{');
        boolean first = true;
        if (!metadata.isEmpty()) {
            sb.append(quote(HeaderParser.METADATA_KEY)).append(":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (!firstMeta) {
                    sb.append(',');
                }
                sb.append(quote(e.getKey())).append(':').append(quote(e.getValue()));
                firstMeta = false;
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (Pending p : order) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(quote(p.name())).append(":{\"dtype\":\"").append(p.dtype().name()).append("\",\"shape\":[");
            for (int i = 0; i < p.shape().length; i++) {
                sb.append(i == 0 ? "" : ",").append(p.shape()[i]);
            }
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(offset + p.bytes()).append("]}");
            offset += p.bytes();
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** A JSON string as serde_json writes it: short escapes for \b \f \n \r \t, {@code \\u00xx} (lowercase hex) for other controls. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Compares as Rust's {@code String} does: by UTF-8 bytes (differs from UTF-16 order above U+FFFF). */
    static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** A little-endian output buffer flushed to the channel in 1 MiB chunks. */
    private static final class ChunkedOutput {
        private final FileChannel channel;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        // the whole buffer as a segment (ofBuffer starts at the current position, so take it at 0)
        private final MemorySegment whole = MemorySegment.ofBuffer(buf);
        private long written;

        ChunkedOutput(FileChannel channel) {
            this.channel = channel;
        }

        long written() {
            return written;
        }

        void putShort(short v) throws IOException {
            room(2);
            buf.putShort(v);
            written += 2;
        }

        void putLong(long v) throws IOException {
            room(8);
            buf.putLong(v);
            written += 8;
        }

        /**
         * Copies a heap array of {@code layout}-sized elements in bulk, converting them to little endian
         * ({@code layout} is little-endian; whole elements per chunk).
         */
        void put(MemorySegment array, ValueLayout layout) throws IOException {
            int size = (int) layout.byteSize();
            long count = array.byteSize() / size;
            for (long i = 0; i < count; ) {
                if (buf.remaining() < size) {
                    flush();
                }
                long n = Math.min(buf.remaining() / size, count - i);
                MemorySegment.copy(array, nativeLayout(layout), i * size, whole, layout, buf.position(), n);
                buf.position(buf.position() + (int) (n * size));
                i += n;
            }
            written += array.byteSize();
        }

        private static ValueLayout nativeLayout(ValueLayout layout) {
            return layout.withOrder(ByteOrder.nativeOrder());
        }

        void put(MemorySegment bytes) throws IOException {
            long size = bytes.byteSize();
            for (long pos = 0; pos < size; ) {
                if (!buf.hasRemaining()) {
                    flush();
                }
                int n = (int) Math.min(buf.remaining(), size - pos);
                MemorySegment.copy(bytes, pos, whole, buf.position(), n);
                buf.position(buf.position() + n);
                pos += n;
            }
            written += size;
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            buf.clear();
        }
    }
}
