package io.github.dllmquant.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Regex translation, split behaviours, the byte map and lossy UTF-8, against reference outputs. */
class PreTokenizationTest {

    private static PreTokenizer qwen2() {
        return PreTokenizer.split(HfRegex.compile(Tokenizers.QWEN2_PATTERN), PreTokenizer.Behavior.ISOLATED, false);
    }

    /** Expected pieces from Python's {@code regex.findall} with the same pattern. */
    @Test
    void qwen2RegexMatchesPythonRegex() {
        check(qwen2(), "don't I'LL we'VE it'ſ", "don", "'t", " I", "'LL", " we", "'VE", " it", "'ſ");
        check(qwen2(), "  x\t\ty \r\n\r\n z", " ", " x", "\t", "\ty", " \r\n\r\n", " z");
        check(qwen2(), "a\u00a0b\u2003c\u3000d", "a", "\u00a0b", "\u2003c", "\u3000d");
        check(qwen2(), "12,345.67 apples!!\n\n", "1", "2", ",", "3", "4", "5", ".", "6", "7", " apples", "!!\n\n");
        check(qwen2(), "日本語のテキスト abc", "日本語のテキスト", " abc");
        check(qwen2(), "emoji 😀👍🏽 ok", "emoji", " 😀👍🏽", " ok");
        check(qwen2(), "x=>y;;\n", "x", "=>", "y", ";;\n");
        check(qwen2(), "\u01c4emo \u01c5x", "\u01c4emo", " \u01c5x");
        check(qwen2(), "\u0301e\u0301", "\u0301e", "\u0301");
        check(qwen2(), "tab\t\n end  ", "tab", "\t\n", " end", "  ");
        check(qwen2(), "Ⅻ ⅷ ½ ²", "Ⅻ", " ", "ⅷ", " ", "½", " ", "²");
    }

    @Test
    void onigurumaSpecificsAreTranslated() {
        assertThat(HfRegex.compile("\\h+").matcher("c0ffee").matches()).isTrue();
        assertThat(HfRegex.compile("\\h").matcher(" ").matches()).isFalse();
        assertThat(HfRegex.compile("\\p{Han}+").matcher("日本語").matches()).isTrue();
        assertThat(HfRegex.compile("\\p{^L}").matcher("1").matches()).isTrue();
        assertThat(HfRegex.compile("\\s").matcher("\u3000").matches()).isTrue();
        assertThat(HfRegex.compile("(?i:'s)").matcher("'ſ").matches()).isTrue();
        assertThat(HfRegex.compile("\\p{L}++\\p{N}?+").matcher("ab1").matches()).isTrue();
        // Oniguruma's \w includes every number; also inside a class
        assertThat(HfRegex.compile("\\w+").matcher("a½²_é\u0301ⓜ‿").matches()).isTrue();
        assertThat(HfRegex.compile("\\w").matcher("\u200d").matches()).isFalse();
        assertThat(HfRegex.compile("[\\w-]+").matcher("a½-b").matches()).isTrue();
        assertThat(HfRegex.compile("\\W").matcher("½").matches()).isFalse();
        assertThat(HfRegex.compile("\\W").matcher("!").matches()).isTrue();
    }

    /** The Hugging Face documentation's example of every delimiter behaviour. */
    @Test
    void splitBehaviours() {
        Pattern dash = Pattern.compile("-");
        String s = "the-final--countdown";
        check(PreTokenizer.split(dash, PreTokenizer.Behavior.REMOVED, false), s, "the", "final", "countdown");
        check(PreTokenizer.split(dash, PreTokenizer.Behavior.ISOLATED, false), s, "the", "-", "final", "-", "-", "countdown");
        check(PreTokenizer.split(dash, PreTokenizer.Behavior.MERGED_WITH_PREVIOUS, false), s, "the-", "final-", "-", "countdown");
        check(PreTokenizer.split(dash, PreTokenizer.Behavior.MERGED_WITH_NEXT, false), s, "the", "-final", "-", "-countdown");
        check(PreTokenizer.split(dash, PreTokenizer.Behavior.CONTIGUOUS, false), s, "the", "-", "final", "--", "countdown");
        check(PreTokenizer.split(dash, PreTokenizer.Behavior.REMOVED, true), s, "-", "-", "-");
    }

    @Test
    void digitsWhitespaceMetaspace() {
        check(PreTokenizer.splitOnChars(Chars::isNumeric, PreTokenizer.Behavior.CONTIGUOUS), "Call 123 please",
                "Call ", "123", " please");
        check(PreTokenizer.splitOnChars(Chars::isNumeric, PreTokenizer.Behavior.ISOLATED), "Call 123 please",
                "Call ", "1", "2", "3", " please");
        check(PreTokenizer.split(Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS),
                PreTokenizer.Behavior.REMOVED, true), "Hey friend!  How are you?!?",
                "Hey", "friend", "!", "How", "are", "you", "?!?");
        check(PreTokenizer.metaspace('▁', "always", true), "Hey friend", "▁Hey", "▁friend");
        check(PreTokenizer.metaspace('▁', "never", false), "Hey friend", "Hey▁friend");
        assertThat(PreTokenizer.metaspace('▁', "first", true).apply(List.of("a b"), false)).containsExactly("a", "▁b");
    }

    @Test
    void byteLevelMap() {
        assertThat(ByteLevel.encode(" \n\t!ÿ")).isEqualTo("ĠĊĉ!Ã¿");
        assertThat(ByteLevel.byteOf('Ġ')).isEqualTo(32);
        assertThat(ByteLevel.byteOf('ġ')).isEqualTo(0x7F);
        assertThat(ByteLevel.byteOf('ł')).isEqualTo(0xA0);
        assertThat(ByteLevel.byteOf('Ń')).isEqualTo(0xAD);
        assertThat(ByteLevel.byteOf('ń')).isEqualTo(-1);
        check(PreTokenizer.byteLevel(true, true), "Hello world", "ĠHello", "Ġworld");
        check(PreTokenizer.byteLevel(false, false), "é x", "Ã©Ġx");
        // every byte maps to a distinct character and back
        boolean[] seen = new boolean[0x200];
        for (char c = 0; c < 0x200; c++) {
            int b = ByteLevel.byteOf(c);
            if (b >= 0) {
                assertThat(seen[b]).isFalse();
                seen[b] = true;
            }
        }
        for (int b = 0; b < 256; b++) {
            assertThat(seen[b]).as("byte %d", b).isTrue();
        }
    }

    /** Expected strings from Python's {@code bytes.decode("utf-8", "replace")}. */
    @Test
    void lossyUtf8MatchesPython() {
        lossy("e282", "\uFFFD");
        lossy("e28261", "\uFFFDa");
        lossy("f09f98", "\uFFFD");
        lossy("c0af", "\uFFFD\uFFFD");
        lossy("eda080", "\uFFFD\uFFFD\uFFFD");
        lossy("f4908080", "\uFFFD\uFFFD\uFFFD\uFFFD");
        lossy("fffe", "\uFFFD\uFFFD");
        lossy("618062", "a\uFFFDb");
        lossy("e080af", "\uFFFD\uFFFD\uFFFD");
        lossy("f09080", "\uFFFD");
        lossy("f09f9880", "😀");
    }

    private static void lossy(String hex, String expected) {
        byte[] b = HexFormat.of().parseHex(hex);
        assertThat(Utf8.decodeLossy(b, b.length)).as(hex).isEqualTo(expected);
    }

    private static void check(PreTokenizer p, String text, String... expected) {
        assertThat(p.apply(List.of(text), true)).as(text).containsExactly(expected);
    }
}
