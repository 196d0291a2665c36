package io.github.dllmquant.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.dllmquant.runtime.config.JsonFields;
import io.github.dllmquant.runtime.config.JsonMutator;
import io.github.dllmquant.runtime.config.ModelFormatException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded fuzzing of the tokenizers: arbitrary Unicode and random bytes round-trip through encode and
 * decode (byte-level BPE loses nothing but the NFC normalization), random ids decode without error,
 * and mutated tokenizer.json files either load or fail with {@link ModelFormatException}.
 * {@code -Ddllmq.fuzz.iterations=100000} runs the long version.
 */
class TokenizerFuzzTest {

    /** Pieces that stress the pre-tokenizer regex, the added-token matcher and normalization. */
    private static final String[] POOL = {" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u000b",
            "'s", "'LL", "'ſ", "e\u0301", "\u0301", ">\u0338", "\u1100\u1161", "ﬁ", "Å", "1", "42", "½", "Ⅻ",
            "日本語", "😀", "👍🏽", "👨‍👩‍👧", "\uD834\uDD1E", "\u0000", "\u007f", "\u00ad", "\u200d", "\uFFFD", "\uFEFF",
            "<|", "|>", "<|mdm_mask|>", "<|endoftext|>", "<|eot_id|>", "<|mask|>", "<|im_start|>", "<|mdm_mask",
            "hello", "World", "print(x)->", "37+48=", "!!", "..."};

    @Test
    void arbitraryUnicodeRoundTrips() throws Exception {
        int n = JsonMutator.iterations(2000);
        for (Path folder : new Path[]{TokenizerGoldenTest.LLADA, TokenizerGoldenTest.DREAM}) {
            Tokenizer tok = Tokenizers.load(folder);
            SplittableRandom random = new SplittableRandom(folder.hashCode());
            for (int i = 0; i < n; i++) {
                String text = randomText(random);
                checkRoundTrip(tok, text, i);
            }
        }
    }

    @Test
    void randomBytesRoundTrip() throws Exception {
        int n = JsonMutator.iterations(2000);
        for (Path folder : new Path[]{TokenizerGoldenTest.LLADA, TokenizerGoldenTest.DREAM}) {
            Tokenizer tok = Tokenizers.load(folder);
            SplittableRandom random = new SplittableRandom(~folder.hashCode());
            for (int i = 0; i < n; i++) {
                byte[] bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                // bytes reach the tokenizer as text: invalid UTF-8 becomes U+FFFD, as any UTF-8 reader does
                checkRoundTrip(tok, Utf8.decodeLossy(bytes, bytes.length), i);
            }
        }
    }

    @Test
    void unpairedSurrogatesEncodeAsReplacementCharacter() throws Exception {
        Tokenizer tok = Tokenizers.load(TokenizerGoldenTest.LLADA);
        assertThat(tok.encode("a\uD800b\uDC00")).containsExactly(tok.encode("a\uFFFDb\uFFFD"));
        assertThat(tok.decode(tok.encode("x\uDBFF"))).isEqualTo("x\uFFFD");
    }

    @Test
    void randomIdsDecode() throws Exception {
        int n = JsonMutator.iterations(2000);
        for (Path folder : new Path[]{TokenizerGoldenTest.LLADA, TokenizerGoldenTest.DREAM}) {
            Tokenizer tok = Tokenizers.load(folder);
            SplittableRandom random = new SplittableRandom(31 + folder.hashCode());
            for (int i = 0; i < n; i++) {
                int[] ids = random.ints(random.nextInt(40), -3, tok.vocabSize() + 3).toArray();
                String all = tok.decode(ids);
                String plain = tok.decode(ids, true);
                assertThat(plain.length()).isLessThanOrEqualTo(all.length());
                // decoding never invents text: re-encoding and decoding the decoded text reproduces it
                assertThat(tok.decode(tok.encode(all))).isEqualTo(expectedDecoding(tok, all));
            }
        }
    }

    @Test
    void mutatedTokenizerJson() throws Exception {
        int n = JsonMutator.iterations(500); // each load parses a whole vocabulary: fewer in the normal suite
        Path source = TokenizerGoldenTest.LLADA.resolve("tokenizer.json");
        JsonNode original = JsonMutator.parse(Files.readString(source));
        JsonMutator mutator = new JsonMutator(7);
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < n; i++) {
            String text = mutator.mutate(original);
            Tokenizer tok;
            try {
                tok = TokenizerJsonReader.read(JsonFields.parse(source, text), TokenizerConfig.EMPTY);
            } catch (ModelFormatException e) {
                assertThat(e.getMessage()).startsWith(source.toString());
                rejected++;
                continue;
            } catch (RuntimeException | Error e) {
                fail("iteration " + i + " escaped with " + e, e);
                return;
            }
            loaded++;
            try {
                for (String s : List.of("hello world", "37+48=<|mdm_mask|>", "ünï 😀\n\n x")) {
                    tok.decode(tok.encode(s));
                }
            } catch (RuntimeException | Error e) {
                fail("iteration " + i + ": a loaded tokenizer failed with " + e, e);
            }
        }
        assertThat(loaded).isPositive();
        assertThat(rejected).isPositive();
    }

    private static void checkRoundTrip(Tokenizer tok, String text, int iteration) {
        int[] ids;
        try {
            ids = tok.encode(text);
        } catch (RuntimeException | Error e) {
            fail("iteration " + iteration + ": encode failed with " + e + " on " + escape(text), e);
            return;
        }
        for (int id : ids) {
            assertThat(id).isBetween(0, tok.vocabSize() - 1);
        }
        assertThat(tok.decode(ids)).as("iteration %d: %s", iteration, escape(text)).isEqualTo(expectedDecoding(tok, text));
    }

    /**
     * NFC of the text; for tokenizer.json (fast tokenizer semantics) the normalizer runs between added
     * tokens, so NFC applies to each stretch between them.
     */
    private static String expectedDecoding(Tokenizer tok, String text) {
        if (tok.config().addedTokensDecoder().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            int plain = 0;
            int i = 0;
            while (i < text.length()) {
                String match = null;
                for (AddedToken t : tok.addedTokens()) {
                    if (text.startsWith(t.content(), i) && (match == null || t.content().length() > match.length())) {
                        match = t.content();
                    }
                }
                if (match == null) {
                    i++;
                    continue;
                }
                sb.append(Normalizer.normalize(text.substring(plain, i), Normalizer.Form.NFC)).append(match);
                i += match.length();
                plain = i;
            }
            return sb.append(Normalizer.normalize(text.substring(plain), Normalizer.Form.NFC)).toString();
        }
        return Normalizer.normalize(text, Normalizer.Form.NFC);
    }

    private static String randomText(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        int parts = random.nextInt(12);
        if (random.nextInt(50) == 0) {
            parts = 2000; // occasionally long inputs
        }
        for (int p = 0; p < parts; p++) {
            switch (random.nextInt(3)) {
                case 0 -> sb.append(POOL[random.nextInt(POOL.length)]);
                case 1 -> {
                    int cp;
                    do {
                        cp = random.nextInt(random.nextBoolean() ? 0x3000 : Character.MAX_CODE_POINT + 1);
                    } while (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
                    sb.appendCodePoint(cp);
                }
                default -> {
                    for (int k = random.nextInt(1, 8); k > 0; k--) {
                        sb.append((char) random.nextInt(0x20, 0x7f));
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(300).forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7f) {
                sb.append((char) cp);
            } else {
                sb.append(String.format("\\u{%x}", cp));
            }
        });
        return sb.toString();
    }
}
