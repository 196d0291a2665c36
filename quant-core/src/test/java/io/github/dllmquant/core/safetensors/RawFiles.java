package io.github.dllmquant.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, including broken ones. */
final class RawFiles {

    private RawFiles() {
    }

    /** 8-byte length of {@code header}, the header, then {@code dataBytes} bytes of value 1, 2, 3 ... */
    static byte[] bytes(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) (i + 1));
        }
        return b.array();
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    static Path write(Path dir, String name, String header, int dataBytes) throws IOException {
        return write(dir, name, bytes(header, dataBytes));
    }
}
