package io.github.dllmquant.runtime.tokenizer;

/**
 * Lossy UTF-8 decoding with the Unicode "maximal subpart" rule: each maximal prefix of a
 * would-be-valid sequence that turns out ill-formed becomes one U+FFFD, as Rust's
 * {@code String::from_utf8_lossy} (Hugging Face tokenizers) and Python's {@code errors="replace"} do.
 * Written out because the JDK decoder's replacement granularity is not specified.
 */
final class Utf8 {

    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    static String decodeLossy(byte[] b, int length) {
        StringBuilder sb = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80, hi = 0xBF; // allowed range of the second byte
            int cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1; cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2; cp = b0 & 0x0F;
                if (b0 == 0xE0) lo = 0xA0;        // no overlong forms
                if (b0 == 0xED) hi = 0x9F;        // no surrogates
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3; cp = b0 & 0x07;
                if (b0 == 0xF0) lo = 0x90;        // no overlong forms
                if (b0 == 0xF4) hi = 0x8F;        // nothing above U+10FFFF
            } else {
                sb.append(REPLACEMENT);
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                int min = k == 0 ? lo : 0x80, max = k == 0 ? hi : 0xBF;
                if (j >= length || (b[j] & 0xFF) < min || (b[j] & 0xFF) > max) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (b[j] & 0x3F);
            }
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(REPLACEMENT); // the valid prefix [i, j) is one maximal subpart
            }
            i = j;
        }
        return sb.toString();
    }
}
