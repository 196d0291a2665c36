package io.github.dllmquant.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Unicode scalar value, in the contexts {@code "x{c} {c}{c}1\n{c}"}, encodes to the same ids as
 * Hugging Face's Rust {@code tokenizers} (NFC tables, regex classes, byte-level BPE), compared through
 * one hash per block of 4096 code points (src/test/resources/tokenizer/make_codepoint_hashes.py).
 */
class TokenizerCodePointSweepTest {

    private static final long MOD = (1L << 61) - 1;

    /**
     * Doubled, these vowel signs (Tulu-Tigalari EE, Gurung Khema AA, Kirat Rai E) compose under the
     * Unicode 16 NFC tables of JDK 25 but not under the older tables of the reference: a Unicode version
     * difference, excluded here and on the Python side.
     */
    private static final java.util.Set<Integer> UNICODE16_COMPOSITIONS = java.util.Set.of(0x113C2, 0x1611E, 0x16D67);

    @Test
    void tinyLladaWholeCodeSpace() throws Exception {
        sweep(TokenizerGoldenTest.LLADA, "tiny-llada");
    }

    @Test
    void tinyDreamWholeCodeSpace() throws Exception {
        sweep(TokenizerGoldenTest.DREAM, "tiny-dream");
    }

    private static void sweep(Path folder, String name) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(Path.of("src/test/resources/tokenizer/codepoint_hashes.json").toFile());
        int block = ref.get("block").intValue();
        JsonNode expected = ref.get("hashes").get(name);
        Tokenizer tok = Tokenizers.load(folder);
        List<String> mismatches = new ArrayList<>();
        for (int b = 0; b < expected.size(); b++) {
            long h = 0;
            for (int cp = b * block; cp < (b + 1) * block; cp++) {
                if ((cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)
                        || UNICODE16_COMPOSITIONS.contains(cp)) {
                    continue;
                }
                String c = Character.toString(cp);
                for (int id : tok.encode("x" + c + " " + c + c + "1\n" + c)) {
                    h = mulAdd(h, id + 1);
                }
                h = mulAdd(h, 0);
            }
            if (h != expected.get(b).longValue()) {
                mismatches.add(String.format("U+%04X..U+%04X", b * block, (b + 1) * block - 1));
            }
        }
        assertThat(mismatches).as("blocks whose encodings differ from the reference").isEmpty();
    }

    /** (h * 1000003 + v) mod 2^61-1, exactly as the Python generator computes it (2^64 ≡ 8 mod 2^61-1). */
    static long mulAdd(long h, long v) {
        long lo = h * 1000003L;
        long hi = Math.unsignedMultiplyHigh(h, 1000003L);
        long r = ((lo & MOD) + (lo >>> 61) + (hi << 3)) % MOD;
        return (r + v) % MOD;
    }

    @Test
    void hashMatchesPythonArithmetic() {
        // (2^61 - 2) * 1000003 + 5 mod 2^61-1 = (-1 * 1000003 + 5) mod M
        assertThat(mulAdd(MOD - 1, 5)).isEqualTo(MOD - 1000003L + 5);
        assertThat(mulAdd(123456789012345L, 7)).isEqualTo(java.math.BigInteger.valueOf(123456789012345L)
                .multiply(java.math.BigInteger.valueOf(1000003)).add(java.math.BigInteger.valueOf(7))
                .mod(java.math.BigInteger.valueOf(MOD)).longValue());
    }
}
