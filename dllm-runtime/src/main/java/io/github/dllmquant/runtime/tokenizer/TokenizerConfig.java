package io.github.dllmquant.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.dllmquant.runtime.config.JsonFields;
import io.github.dllmquant.runtime.config.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a model folder's tokenizer_config.json says beyond the vocabulary: the special token strings,
 * whether a BOS is prepended, the Jinja chat template, and (for GPT-2-style folders) the added tokens.
 *
 * @param bosToken                  beginning-of-sequence token text
 * @param eosToken                  end-of-sequence token text
 * @param padToken                  padding token text
 * @param maskToken                 mask token text
 * @param unkToken                  unknown token text
 * @param addBosToken               the reference tokenizer prepends BOS when encoding
 * @param addEosToken               the reference tokenizer appends EOS when encoding
 * @param chatTemplate              the Jinja chat template ({@code chat_template}, or chat_template.jinja)
 * @param cleanUpTokenizationSpaces decoding removes spaces before punctuation (transformers' clean-up)
 * @param addedTokensDecoder        {@code added_tokens_decoder}, in id order
 */
public record TokenizerConfig(Optional<String> bosToken, Optional<String> eosToken, Optional<String> padToken,
                              Optional<String> maskToken, Optional<String> unkToken, boolean addBosToken,
                              boolean addEosToken, Optional<String> chatTemplate, boolean cleanUpTokenizationSpaces,
                              List<AddedToken> addedTokensDecoder) {

    /** A folder without tokenizer_config.json. */
    public static final TokenizerConfig EMPTY = new TokenizerConfig(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), false, false, Optional.empty(), false, List.of());

    public TokenizerConfig {
        addedTokensDecoder = List.copyOf(addedTokensDecoder);
    }

    /** Reads tokenizer_config.json (and chat_template.jinja when present) of {@code folder}. */
    public static TokenizerConfig load(Path folder) throws IOException {
        Path file = folder.resolve("tokenizer_config.json");
        TokenizerConfig config = Files.exists(file) ? parse(JsonFields.read(file)) : EMPTY;
        Path jinja = folder.resolve("chat_template.jinja");
        if (config.chatTemplate.isEmpty() && Files.exists(jinja)) {
            config = new TokenizerConfig(config.bosToken, config.eosToken, config.padToken, config.maskToken,
                    config.unkToken, config.addBosToken, config.addEosToken, Optional.of(Files.readString(jinja)),
                    config.cleanUpTokenizationSpaces, config.addedTokensDecoder);
        }
        return config;
    }

    static TokenizerConfig parse(JsonFields f) throws ModelFormatException {
        List<AddedToken> added = new ArrayList<>();
        Optional<JsonFields> decoder = f.object("added_tokens_decoder");
        if (decoder.isPresent()) {
            Iterator<Map.Entry<String, JsonNode>> it = decoder.get().node().fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw f.error("added_tokens_decoder", "key \"" + e.getKey() + "\" is not a token id");
                }
                if (id < 0) {
                    throw f.error("added_tokens_decoder", "negative token id " + id);
                }
                JsonFields t = decoder.get().child(e.getValue(), e.getKey());
                added.add(addedToken(t, id, false));
            }
            added.sort((a, b) -> Integer.compare(a.id(), b.id()));
        }
        return new TokenizerConfig(tokenText(f, "bos_token"), tokenText(f, "eos_token"), tokenText(f, "pad_token"),
                tokenText(f, "mask_token"), tokenText(f, "unk_token"), f.bool("add_bos_token", false),
                f.bool("add_eos_token", false), chatTemplate(f), f.bool("clean_up_tokenization_spaces", false), added);
    }

    /** An added token object ({@code content}, {@code special}, {@code lstrip}, ...); {@code id} when not inside. */
    static AddedToken addedToken(JsonFields t, int id, boolean normalizedDefault) throws ModelFormatException {
        String content = t.requireString("content");
        if (content.isEmpty()) {
            throw t.error("content", "empty added token");
        }
        return new AddedToken(id, content, t.bool("special", false), t.bool("lstrip", false),
                t.bool("rstrip", false), t.bool("single_word", false), t.bool("normalized", normalizedDefault));
    }

    /** A special token given as a string or as a serialized AddedToken object. */
    private static Optional<String> tokenText(JsonFields f, String field) throws ModelFormatException {
        JsonNode v = f.node().get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (v.isTextual()) {
            return Optional.of(v.textValue());
        }
        if (v.isObject()) {
            return Optional.of(f.child(v, field).requireString("content"));
        }
        throw f.error(field, "expected a string or a token object");
    }

    /** A string, or a list of {name, template} with "default" preferred. */
    private static Optional<String> chatTemplate(JsonFields f) throws ModelFormatException {
        JsonNode v = f.node().get("chat_template");
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (v.isTextual()) {
            return Optional.of(v.textValue());
        }
        if (v.isArray()) {
            String first = null;
            for (int i = 0; i < v.size(); i++) {
                JsonFields t = f.child(v.get(i), "chat_template[" + i + "]");
                String template = t.requireString("template");
                if ("default".equals(t.optionalString("name").orElse(null))) {
                    return Optional.of(template);
                }
                if (first == null) {
                    first = template;
                }
            }
            return Optional.ofNullable(first);
        }
        throw f.error("chat_template", "expected a string or a list of named templates");
    }
}
