package io.github.dllmquant.runtime.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face decoder: turns the token strings of a sequence back into text. Steps chain
 * ({@link #sequence(List)}); the final strings are concatenated.
 */
interface TokenDecoder {

    List<String> decodeChain(List<String> tokens);

    /** The tokens unchanged (concatenated by the caller). */
    TokenDecoder IDENTITY = tokens -> tokens;

    /** Without a decoder, the reference joins the tokens with single spaces. */
    TokenDecoder SPACE_JOINED = tokens -> List.of(String.join(" ", tokens));

    /**
     * ByteLevel: every token's characters mapped back to bytes (a token with a character outside the
     * byte map contributes its own UTF-8), all bytes decoded together, ill-formed UTF-8 replaced by U+FFFD.
     */
    static TokenDecoder byteLevel() {
        return tokens -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                ByteLevel.appendTokenBytes(t, bytes);
            }
            return List.of(Utf8.decodeLossy(bytes.toByteArray(), bytes.size()));
        };
    }

    /** Metaspace: {@code replacement} back to spaces; the prefix space of the first token removed when prepended. */
    static TokenDecoder metaspace(char replacement, String prependScheme) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i).replace(replacement, ' ');
                if (i == 0 && !prependScheme.equals("never") && t.startsWith(" ")) {
                    t = t.substring(1);
                }
                out.add(t);
            }
            return out;
        };
    }

    /** ByteFallback: runs of {@code <0xAB>} tokens become the UTF-8 text of their bytes (U+FFFD per byte if invalid). */
    static TokenDecoder byteFallback() {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            int runTokens = 0;
            for (String t : tokens) {
                int b = byteToken(t);
                if (b >= 0) {
                    run.write(b);
                    runTokens++;
                    continue;
                }
                runTokens = flush(run, runTokens, out);
                out.add(t);
            }
            flush(run, runTokens, out);
            return out;
        };
    }

    private static int flush(ByteArrayOutputStream run, int runTokens, List<String> out) {
        if (runTokens == 0) {
            return 0;
        }
        byte[] bytes = run.toByteArray();
        String decoded = Utf8.decodeLossy(bytes, bytes.length);
        if (decoded.indexOf('\uFFFD') >= 0) {
            for (int i = 0; i < runTokens; i++) {
                out.add("\uFFFD");
            }
        } else {
            out.add(decoded);
        }
        run.reset();
        return 0;
    }

    /** The byte of a {@code <0xAB>} token, or -1. */
    static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(t.charAt(3), 16);
        int lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** Fuse: all tokens into one string. */
    static TokenDecoder fuse() {
        return tokens -> List.of(String.join("", tokens));
    }

    /** Strip: removes {@code start} leading and {@code stop} trailing occurrences of {@code content} per token. */
    static TokenDecoder strip(char content, int start, int stop) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int s = 0;
                int e = t.length();
                for (int k = 0; k < start && s < e && t.charAt(s) == content; k++) {
                    s++;
                }
                for (int k = 0; k < stop && e > s && t.charAt(e - 1) == content; k++) {
                    e--;
                }
                out.add(t.substring(s, e));
            }
            return out;
        };
    }

    /** Replace: every match of {@code pattern} in each token by {@code content}. */
    static TokenDecoder replace(Pattern pattern, String content) {
        String literal = Matcher.quoteReplacement(content);
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                out.add(pattern.matcher(t).replaceAll(literal));
            }
            return out;
        };
    }

    /** Runs {@code steps} in order. */
    static TokenDecoder sequence(List<TokenDecoder> steps) {
        List<TokenDecoder> copy = List.copyOf(steps);
        return tokens -> {
            List<String> current = tokens;
            for (TokenDecoder d : copy) {
                current = d.decodeChain(current);
            }
            return current;
        };
    }
}
