package io.github.dllmquant.runtime.tokenizer;

import io.github.dllmquant.runtime.config.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BPE merge order, unknown characters, byte fallback and added-token flags on small hand-made vocabularies. */
class BpeAndAddedTokensTest {

    private static final Map<String, Integer> VOCAB = Map.of("a", 0, "b", 1, "c", 2, "ab", 3, "bc", 4, "abc", 5,
            "aa", 6, "aaaa", 7, "<unk>", 8);

    private static BpeModel bpe(List<String[]> merges, int unk, boolean fuseUnk) {
        return new BpeModel(VOCAB, merges, unk, fuseUnk, false, false, "", "");
    }

    @Test
    void lowestRankMergesFirst() {
        BpeModel bcFirst = bpe(merges("b c", "a b", "a bc"), -1, false);
        assertThat(bcFirst.tokenize("abc")).containsExactly(5);  // a + bc -> abc
        BpeModel abFirst = bpe(merges("a b", "b c"), -1, false);
        assertThat(abFirst.tokenize("abc")).containsExactly(3, 2); // ab + c, no (ab, c) merge
        assertThat(abFirst.tokenize("cabc")).containsExactly(2, 3, 2);
    }

    @Test
    void equalRanksGoLeftFirst() {
        BpeModel m = bpe(merges("a a", "aa aa"), -1, false);
        assertThat(m.tokenize("aaa")).containsExactly(6, 0);
        assertThat(m.tokenize("aaaa")).containsExactly(7);
        assertThat(m.tokenize("aaaaa")).containsExactly(7, 0);
    }

    @Test
    void unknownCharacters() {
        assertThat(bpe(merges(), 8, false).tokenize("axxb")).containsExactly(0, 8, 8, 1);
        assertThat(bpe(merges(), 8, true).tokenize("axxb")).containsExactly(0, 8, 1);
        assertThat(bpe(merges(), -1, false).tokenize("axxb")).containsExactly(0, 1); // dropped, as the reference
    }

    @Test
    void byteFallbackAndIgnoreMerges() {
        Map<String, Integer> v = Map.of("a", 0, "<0xC3>", 1, "<0xA9>", 2, "<unk>", 3, "aa", 4, "aaa", 5);
        BpeModel fb = new BpeModel(v, merges("a a"), 3, false, true, false, "", "");
        assertThat(fb.tokenize("aé")).containsExactly(0, 1, 2);
        assertThat(fb.tokenize("a😀")).containsExactly(0, 3); // its bytes have no tokens: unk
        assertThat(fb.tokenize("aaa")).containsExactly(4, 0);
        BpeModel ignore = new BpeModel(v, merges("a a"), 3, false, true, true, "", "");
        assertThat(ignore.tokenize("aaa")).containsExactly(5);
    }

    @Test
    void addedTokenFlags() {
        AddedToken plain = new AddedToken(1, "<m>", true, false, false, false, false);
        AddedToken lstrip = new AddedToken(2, "<l>", true, true, false, false, false);
        AddedToken rstrip = new AddedToken(3, "<r>", true, false, true, false, false);
        AddedToken word = new AddedToken(4, "cat", false, false, false, true, false);
        AddedToken longer = new AddedToken(5, "<m>>", true, false, false, false, false);
        AddedTokenMatcher m = new AddedTokenMatcher(List.of(plain, lstrip, rstrip, word, longer));
        assertThat(render(m.split("x <m> y"))).containsExactly("x ", "[1]", " y");
        assertThat(render(m.split("x <m>> y"))).containsExactly("x ", "[5]", " y");
        assertThat(render(m.split("x  <l> y"))).containsExactly("x", "[2]", " y");
        assertThat(render(m.split("x <r>  y"))).containsExactly("x ", "[3]", "y");
        assertThat(render(m.split("a cat sat"))).containsExactly("a ", "[4]", " sat");
        assertThat(render(m.split("concatenate"))).containsExactly("concatenate");
        assertThat(render(m.split("<m><m>"))).containsExactly("[1]", "[1]");
    }

    @Test
    void handMadeTokenizerJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"added_tokens": [{"id": 9, "content": "<eos>", "special": true, "normalized": false}],
                 "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
                 "pre_tokenizer": {"type": "WhitespaceSplit"},
                 "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "_"}, "content": " "}]},
                 "model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"a": 0, "b": 1, "ab": 2, "<unk>": 3, "_": 4},
                           "merges": [["a", "b"]]}}
                """);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"<eos>\"}}");
        Tokenizer t = Tokenizers.load(dir);
        assertThat(t.encode("AB  ｂａ<eos>")).containsExactly(2, 1, 0, 9);
        assertThat(t.encode("a?")).containsExactly(0, 3);
        assertThat(t.decode(new int[]{2, 4, 1, 9})).isEqualTo("ab b<eos>");
        assertThat(t.decode(new int[]{2, 4, 1, 9}, true)).isEqualTo("ab b");
        assertThat(t.eosTokenId()).hasValue(9);
        assertThat(t.vocabSize()).isEqualTo(10);
        assertThat(t.token(9)).isEqualTo("<eos>");
        assertThat(t.isSpecial(9)).isTrue();
        assertThatThrownBy(() -> t.token(7)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7");
    }

    @Test
    void malformedTokenizerFiles(@TempDir Path dir) throws Exception {
        String vocab = "\"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}";
        expect(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + "}}", "model.merges", "missing");
        expect(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + ", \"merges\": [\"a c\"]}}", "\"c\"",
                "not in the vocabulary");
        expect(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + ", \"merges\": [\"b a\"]}}", "produces \"ba\"",
                "not in the vocabulary");
        expect(dir, "{\"model\": {\"type\": \"BPE\", " + vocab + ", \"merges\": [\"a  b\"]}}", "merges[0]",
                "left right");
        expect(dir, "{\"model\": {\"type\": \"WordPiece\", " + vocab + "}}", "model.type", "WordPiece");
        expect(dir, "{\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, \"model\": {" + vocab + ", \"merges\": []}}",
                "pre_tokenizer.type", "BertPreTokenizer");
        expect(dir, "{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(unclosed\"}, "
                + "\"behavior\": \"Isolated\"}, \"model\": {" + vocab + ", \"merges\": []}}", "pattern.Regex", "regex");
        expect(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}}", "vocab", "non-negative");
        expect(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 2000000000}, \"merges\": []}}", "2000000000",
                "beyond");
        expect(dir, "{\"model\": {\"type\": \"BPE\", ", "tokenizer.json", "invalid JSON");
    }

    @Test
    void malformedGpt2Files(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("merges.txt").hasMessageContaining("missing");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\na x\n");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("merges.txt").hasMessageContaining("line 2").hasMessageContaining("\"x\"");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b c\n");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("line 2").hasMessageContaining("two tokens");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\n");
        assertThat(Tokenizers.load(dir).encode("aba")).containsExactly(2, 0);
        assertThat(Tokenizers.load(dir).encode("aba", true)).containsExactly(2, 0);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \"<bos>\", "
                + "\"add_eos_token\": true, \"eos_token\": \"b\", \"added_tokens_decoder\": {\"3\": {\"content\": \"<bos>\", "
                + "\"special\": true}}}");
        assertThat(Tokenizers.load(dir).encode("aba", true)).containsExactly(3, 2, 0, 1);
        assertThat(Tokenizers.load(dir).encode("aba", false)).containsExactly(2, 0);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \"<nope>\"}");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tokenizer_config.json").hasMessageContaining("<nope>");
        Files.delete(dir.resolve("tokenizer_config.json"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> Tokenizers.load(empty)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tokenizer.json");
    }

    private static void expect(Path dir, String json, String... fragments) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), json);
        var assertion = assertThatThrownBy(() -> Tokenizers.load(dir)).as(json)
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("tokenizer.json");
        for (String f : fragments) {
            assertion.hasMessageContaining(f);
        }
    }

    private static List<String> render(List<AddedTokenMatcher.Segment> segments) {
        return segments.stream().map(s -> s.token() == null ? s.text() : "[" + s.token().id() + "]").toList();
    }

    private static List<String[]> merges(String... pairs) {
        return java.util.Arrays.stream(pairs).map(s -> s.split(" ")).toList();
    }
}
