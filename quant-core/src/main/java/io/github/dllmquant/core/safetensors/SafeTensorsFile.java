package io.github.dllmquant.core.safetensors;

import io.github.dllmquant.core.tensor.Names;
import io.github.dllmquant.core.tensor.TensorView;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One safetensors file mapped read-only into memory.
 *
 * <pre>
 *   bytes 0..7        header length N, unsigned little-endian
 *   bytes 8..8+N      UTF-8 JSON object: name → {dtype, shape, data_offsets: [begin, end)}, optional
 *                     "__metadata__": {string: string}; may be padded with trailing spaces
 *   bytes 8+N..EOF    data buffer; each tensor's little-endian, row-major bytes at [begin, end)
 * </pre>
 *
 * The header is read with plain channel reads and validated completely before the file is mapped.
 * The mapping lives in a shared {@link Arena}: tensor views are slices of it (no copy), usable from any
 * thread, and invalid after {@link #close()}.
 */
public final class SafeTensorsFile implements TensorSource {

    private final Path file;
    private final Arena arena;
    private final MemorySegment data;
    private final List<TensorEntry> entries;
    private final Map<String, TensorEntry> byName;
    private final Map<String, String> metadata;
    private final long headerLength;

    private SafeTensorsFile(Path file, Arena arena, MemorySegment data, HeaderParser.Header header, long headerLength) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.entries = header.entries();
        this.byName = HeaderParser.byName(header.entries());
        this.metadata = header.metadata();
        this.headerLength = headerLength;
    }

    /** Opens and validates {@code file}; see {@link SafeTensors#open(Path)}. */
    static SafeTensorsFile open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw SafeTensorsException.of(file, "file has " + size + " bytes, too short for the 8-byte header length (truncated?)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lengthBytes, 0, file);
            long n = lengthBytes.getLong(0);
            if (n < 0 || n > HeaderParser.MAX_HEADER_BYTES) {
                throw SafeTensorsException.of(file, "header length " + Long.toUnsignedString(n)
                        + " exceeds the limit of " + HeaderParser.MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
            }
            if (n > size - 8) {
                throw SafeTensorsException.of(file, "header length " + n + " runs past the end of the file ("
                        + size + " bytes; truncated?)");
            }
            if (n < 2) {
                throw SafeTensorsException.of(file, "header length " + n + " is too small for a JSON object");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8, file);
            HeaderParser.Header parsed = HeaderParser.parse(file, header.array(), size - 8 - n);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return new SafeTensorsFile(file, arena, all.asSlice(8 + n), parsed, n);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw SafeTensorsException.of(file, "file ended while reading the header (truncated?)");
            }
            pos += r;
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return file;
    }

    /** The validated header entries, ordered by data offset. */
    public List<TensorEntry> entries() {
        return entries;
    }

    /** The header entry of {@code name}, or null. */
    public TensorEntry entry(String name) {
        return byName.get(name);
    }

    /** Bytes of the JSON header (without the 8-byte length). */
    public long headerLength() {
        return headerLength;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(new TreeSet<>(byName.keySet()));
    }

    @Override
    public TensorView tensor(String name) throws SafeTensorsException {
        TensorEntry e = byName.get(name);
        if (e == null) {
            throw missing(file, name, byName.keySet());
        }
        return new TensorView(name, e.dtype(), e.shape(), data.asSlice(e.begin(), e.byteSize()));
    }

    @Override
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    static SafeTensorsException missing(Path where, String name, Set<String> known) {
        return SafeTensorsException.of(where, name, "no such tensor (" + known.size() + " tensors; nearest: "
                + Names.nearest(name, known, 5) + ")");
    }

    @Override
    public String toString() {
        return "SafeTensorsFile[" + file + ", " + entries.size() + " tensors]";
    }
}
