package io.github.dllmquant.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Small tokenizers trained with Hugging Face's Rust {@code tokenizers}, one per family of components
 * (src/test/resources/tokenizer/make_component_reference.py), and 260 encode/decode cases each from it:
 * <ul>
 *   <li>llama2: Prepend/Replace normalizers, byte fallback, fused unknowns, Replace/ByteFallback/Fuse/Strip decoders,
 *       TemplateProcessing {@code <s> $A};</li>
 *   <li>metaspace: NFKC, Metaspace (prepend first, split) both ways, added tokens with lstrip, rstrip, single_word,
 *       RobertaProcessing;</li>
 *   <li>gpt2: NFKC + Lowercase, ByteLevel with prefix space and the GPT-2 regex, Sequence[ByteLevel,
 *       TemplateProcessing {@code <s> $A </s>}];</li>
 *   <li>splits: Strip, Split with merged/contiguous behaviours and a literal pattern, Punctuation, Digits, WhitespaceSplit, no decoder;</li>
 *   <li>affixes: continuing-subword prefix, end-of-word suffix, ignore_merges, Whitespace, inverted Split.</li>
 * </ul>
 */
class TokenizerComponentsReferenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "metaspace", "gpt2", "splits", "affixes"})
    void matchesRustTokenizers(String name) throws Exception {
        Path folder = Path.of("src/test/resources/tokenizer/components", name);
        Tokenizer tok = Tokenizers.load(folder);
        int cases = 0;
        for (JsonNode row : TokenizerGoldenTest.readJsonl(folder.resolve("reference.jsonl"))) {
            int[] ids = TokenizerGoldenTest.ids(row.get("ids"));
            if (row.has("text")) {
                String text = row.get("text").textValue();
                assertThat(tok.encode(text)).as("%s encode %s", name, JSON.writeValueAsString(text)).containsExactly(ids);
                assertThat(tok.encode(text, true)).as("%s encode with specials %s", name, JSON.writeValueAsString(text))
                        .containsExactly(TokenizerGoldenTest.ids(row.get("ids_with_specials")));
            }
            assertThat(tok.decode(ids)).as("%s decode %s", name, row.get("ids")).isEqualTo(row.get("decoded").textValue());
            assertThat(tok.decode(ids, true)).as("%s decode skipping specials %s", name, row.get("ids"))
                    .isEqualTo(row.get("decoded_skip").textValue());
            cases++;
        }
        assertThat(cases).isEqualTo(260);
    }
}
