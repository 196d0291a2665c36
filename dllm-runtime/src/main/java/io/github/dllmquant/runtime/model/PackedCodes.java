package io.github.dllmquant.runtime.model;

/**
 * Bit-packing of unsigned quantization codes for the saved folder: each row of {@code in} codes
 * becomes {@code ceil(in·bits/8)} bytes, code {@code i} at bit offset {@code i·bits} of the row,
 * least significant bit first (so 4-bit codes sit two per byte, low nibble first).
 *
 * <p>A private stand-in until core-io's {@code core.format} quantized-tensor I/O lands.
 */
final class PackedCodes {

    private PackedCodes() {
    }

    /** Bytes of one packed row. */
    static int rowBytes(int in, int bits) {
        return (int) (((long) in * bits + 7) / 8);
    }

    /** Packs {@code [out, in]} codes (each {@code < 2^bits}) into {@code [out, rowBytes]} bytes. */
    static byte[] pack(byte[] codes, int out, int in, int bits) {
        int rowBytes = rowBytes(in, bits);
        byte[] packed = new byte[out * rowBytes];
        for (int o = 0; o < out; o++) {
            int base = o * rowBytes;
            for (int i = 0; i < in; i++) {
                int code = codes[o * in + i] & 0xFF;
                if (code >>> bits != 0) {
                    throw new IllegalArgumentException("code " + code + " at (" + o + ", " + i + ") does not fit "
                            + bits + " bits");
                }
                long bit = (long) i * bits;
                for (int b = 0; b < bits; b++, bit++) {
                    if ((code >>> b & 1) != 0) {
                        packed[base + (int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
                    }
                }
            }
        }
        return packed;
    }

    /** Unpacks {@code [out, rowBytes]} bytes into {@code [out, in]} codes. */
    static byte[] unpack(byte[] packed, int out, int in, int bits) {
        int rowBytes = rowBytes(in, bits);
        if (packed.length != (long) out * rowBytes) {
            throw new IllegalArgumentException("packed codes have " + packed.length + " bytes, expected "
                    + out + "*" + rowBytes);
        }
        byte[] codes = new byte[out * in];
        for (int o = 0; o < out; o++) {
            int base = o * rowBytes;
            for (int i = 0; i < in; i++) {
                long bit = (long) i * bits;
                int code = 0;
                for (int b = 0; b < bits; b++, bit++) {
                    code |= (packed[base + (int) (bit >>> 3)] >>> (bit & 7) & 1) << b;
                }
                codes[o * in + i] = (byte) code;
            }
        }
        return codes;
    }
}
