package io.github.dllmquant.runtime.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte ↔ printable-character map: every byte becomes one visible character so
 * that BPE vocabularies can be stored as text. Bytes {@code '!'..'~'}, {@code '¡'..'¬'} and
 * {@code '®'..'ÿ'} map to themselves; the other 68 bytes map to U+0100 upwards in byte order
 * (so space is {@code 'Ġ'} and newline {@code 'Ċ'}).
 */
final class ByteLevel {

    /** Character of each byte value. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Byte of each mapped character, -1 elsewhere; indexed by char up to U+0143. */
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {
    }

    /** The UTF-8 bytes of {@code text}, each replaced by its visible character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The byte of a mapped character, or -1 when {@code c} is not one of the 256. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /**
     * Appends the bytes of a token: its characters mapped back to bytes when every one of them is a
     * mapped character, otherwise the token's own UTF-8 bytes (as the Hugging Face ByteLevel decoder does).
     */
    static void appendTokenBytes(String token, java.io.ByteArrayOutputStream out) {
        for (int i = 0; i < token.length(); i++) {
            if (byteOf(token.charAt(i)) < 0) {
                out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        for (int i = 0; i < token.length(); i++) {
            out.write(byteOf(token.charAt(i)));
        }
    }
}
