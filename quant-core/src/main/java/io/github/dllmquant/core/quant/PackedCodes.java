package io.github.dllmquant.core.quant;

/**
 * Packs unsigned b-bit codes ({@code 2 ≤ b ≤ 8}) densely into bytes, as one little-endian bit stream.
 *
 * <pre>
 *   code i occupies stream bits [i·b, (i+1)·b), lowest bit first;
 *   stream bit k is bit (k mod 8) of byte ⌊k/8⌋; unused high bits of the last byte are 0.
 *
 *   b = 8: byte i = code i
 *   b = 4: byte j = code 2j | code (2j+1) &lt;&lt; 4                         (low nibble first)
 *   b = 2: byte j = c(4j) | c(4j+1) &lt;&lt; 2 | c(4j+2) &lt;&lt; 4 | c(4j+3) &lt;&lt; 6
 *   b = 3: byte 0 = c0 | c1 &lt;&lt; 3 | (c2 &amp; 3) &lt;&lt; 6;  byte 1 = c2 &gt;&gt; 2 | c3 &lt;&lt; 1 | c4 &lt;&lt; 4 | (c5 &amp; 1) &lt;&lt; 7; ...
 * </pre>
 * {@code n} codes take {@code ⌈n·b/8⌉} bytes.
 */
public final class PackedCodes {

    private PackedCodes() {
    }

    /** Bytes taken by {@code count} codes of {@code bits} bits. */
    public static long packedSize(long count, int bits) {
        checkBits(bits);
        return (Math.multiplyExact(count, (long) bits) + 7) / 8;
    }

    /** Packs all of {@code codes} (each {@code code & 0xFF} must be below {@code 2^bits}). */
    public static byte[] pack(byte[] codes, int bits) {
        return pack(codes, 0, codes.length, bits);
    }

    /**
     * Packs {@code count} codes starting at {@code offset}.
     *
     * @throws IllegalArgumentException naming the index of a code that does not fit {@code bits}
     */
    public static byte[] pack(byte[] codes, int offset, int count, int bits) {
        byte[] out = new byte[(int) packedSize(count, bits)];
        packInto(codes, offset, count, bits, out, 0);
        return out;
    }

    /** Packs {@code count} codes from {@code codes[offset..]} into {@code out} starting at byte {@code outOffset}. */
    public static void packInto(byte[] codes, int offset, int count, int bits, byte[] out, int outOffset) {
        checkBits(bits);
        int limit = 1 << bits;
        for (int i = 0; i < count; i++) {
            if ((codes[offset + i] & 0xFF) >= limit) {
                throw new IllegalArgumentException("code " + (codes[offset + i] & 0xFF) + " at index " + (offset + i)
                        + " does not fit " + bits + " bits");
            }
        }
        switch (bits) {
            case 8 -> System.arraycopy(codes, offset, out, outOffset, count);
            case 4 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + (i >> 1)] |= (byte) ((codes[offset + i] & 0xF) << ((i & 1) << 2));
                }
            }
            case 2 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + (i >> 2)] |= (byte) ((codes[offset + i] & 0x3) << ((i & 3) << 1));
                }
            }
            default -> {
                long bit = 0;
                for (int i = 0; i < count; i++, bit += bits) {
                    int c = codes[offset + i] & 0xFF;
                    int byteIndex = outOffset + (int) (bit >>> 3);
                    int shift = (int) (bit & 7);
                    out[byteIndex] |= (byte) (c << shift);
                    if (shift + bits > 8) {
                        out[byteIndex + 1] |= (byte) (c >>> (8 - shift));
                    }
                }
            }
        }
    }

    /** Unpacks {@code count} codes of {@code bits} bits from the start of {@code packed}. */
    public static byte[] unpack(byte[] packed, int bits, int count) {
        byte[] out = new byte[count];
        unpackInto(packed, 0, bits, count, out, 0);
        return out;
    }

    /** Unpacks {@code count} codes starting at byte {@code packedOffset} into {@code out[outOffset..]}. */
    public static void unpackInto(byte[] packed, int packedOffset, int bits, int count, byte[] out, int outOffset) {
        long need = packedSize(count, bits);
        if (packedOffset < 0 || packedOffset + need > packed.length) {
            throw new IllegalArgumentException(count + " codes of " + bits + " bits need " + need
                    + " bytes from offset " + packedOffset + ", only " + (packed.length - packedOffset) + " available");
        }
        int mask = (1 << bits) - 1;
        switch (bits) {
            case 8 -> System.arraycopy(packed, packedOffset, out, outOffset, count);
            case 4 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + i] = (byte) ((packed[packedOffset + (i >> 1)] >>> ((i & 1) << 2)) & 0xF);
                }
            }
            case 2 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + i] = (byte) ((packed[packedOffset + (i >> 2)] >>> ((i & 3) << 1)) & 0x3);
                }
            }
            default -> {
                long bit = 0;
                for (int i = 0; i < count; i++, bit += bits) {
                    int byteIndex = packedOffset + (int) (bit >>> 3);
                    int shift = (int) (bit & 7);
                    int v = (packed[byteIndex] & 0xFF) >>> shift;
                    if (shift + bits > 8) {
                        v |= (packed[byteIndex + 1] & 0xFF) << (8 - shift);
                    }
                    out[outOffset + i] = (byte) (v & mask);
                }
            }
        }
    }

    private static void checkBits(int bits) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("code width must be 2..8 bits, got " + bits);
        }
    }
}
