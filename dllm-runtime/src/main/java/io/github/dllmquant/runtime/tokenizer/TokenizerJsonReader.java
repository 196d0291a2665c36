package io.github.dllmquant.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.dllmquant.runtime.config.JsonFields;
import io.github.dllmquant.runtime.config.ModelFormatException;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Builds a {@link Tokenizer} from Hugging Face's tokenizer.json: added tokens, normalizer,
 * pre-tokenizer, BPE model and decoder. Components the SDK does not implement are reported by name
 * with the supported alternatives, never ignored (a silently skipped step would change the ids).
 */
final class TokenizerJsonReader {

    private TokenizerJsonReader() {
    }

    static Tokenizer read(JsonFields root, TokenizerConfig config) throws ModelFormatException {
        List<AddedToken> added = addedTokens(root);
        TextNormalizer normalizer = normalizer(root.object("normalizer"));
        PreTokenizer pre = preTokenizer(root.object("pre_tokenizer"));
        TokenDecoder decoder = decoder(root.object("decoder"));
        Optional<JsonFields> post = root.object("post_processor");
        JsonFields model = root.object("model").orElseThrow(() -> root.error("model", "missing"));
        String type = model.optionalString("type").orElse("BPE");
        if (!type.equals("BPE")) {
            throw model.error("type", "unsupported tokenizer model \"" + type + "\"; supported: BPE");
        }
        JsonFields vocabJson = model.object("vocab").orElseThrow(() -> model.error("vocab", "missing"));
        Map<String, Integer> vocab = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = vocabJson.node().fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                throw model.error("vocab", "token \"" + Tokenizers.abbreviate(e.getKey()) + "\" has id "
                        + Tokenizers.abbreviate(v.toString()) + "; expected a non-negative integer");
            }
            vocab.put(e.getKey(), v.intValue());
        }
        String prefix = model.optionalString("continuing_subword_prefix").orElse("");
        String suffix = model.optionalString("end_of_word_suffix").orElse("");
        List<String[]> merges = merges(model);
        Tokenizers.checkMerges(merges, vocab, prefix, root.file(), "model.merges[");
        int unk = -1;
        Optional<String> unkToken = model.optionalString("unk_token");
        if (unkToken.isPresent()) {
            Integer id = vocab.get(unkToken.get());
            if (id == null) {
                throw model.error("unk_token", "\"" + unkToken.get() + "\" is not in the vocabulary");
            }
            unk = id;
        }
        BpeModel bpe = new BpeModel(vocab, merges, unk, model.bool("fuse_unk", false),
                model.bool("byte_fallback", false), model.bool("ignore_merges", false), prefix, suffix);
        String[] ids = Tokenizers.idTable(vocab, added, root.file());
        return new Tokenizer(TextNormalizer.IDENTITY, added, normalizer, pre, bpe, decoder, postProcessor(post),
                config, ids);
    }

    private static List<AddedToken> addedTokens(JsonFields root) throws ModelFormatException {
        JsonNode arr = root.node().get("added_tokens");
        List<AddedToken> out = new ArrayList<>();
        if (arr == null || arr.isNull()) {
            return out;
        }
        if (!arr.isArray()) {
            throw root.error("added_tokens", "expected an array");
        }
        for (int i = 0; i < arr.size(); i++) {
            JsonFields t = root.child(arr.get(i), "added_tokens[" + i + "]");
            int id = t.requireInt("id");
            if (id < 0) {
                throw t.error("id", "negative token id " + id);
            }
            out.add(TokenizerConfig.addedToken(t, id, !t.bool("special", false)));
        }
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }

    /** model.merges: {@code ["a b", ...]} or, in newer files, {@code [["a", "b"], ...]}. */
    private static List<String[]> merges(JsonFields model) throws ModelFormatException {
        JsonNode arr = model.node().get("merges");
        if (arr == null || arr.isNull()) {
            throw model.error("merges", "missing: a BPE tokenizer needs its merge list");
        }
        if (!arr.isArray()) {
            throw model.error("merges", "expected an array");
        }
        List<String[]> out = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            JsonNode m = arr.get(i);
            String[] pair;
            if (m.isTextual()) {
                pair = m.textValue().split(" ", -1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[]{m.get(0).textValue(), m.get(1).textValue()};
            } else {
                pair = new String[0];
            }
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw model.error("merges[" + i + "]", "expected \"left right\" or [left, right], got "
                        + Tokenizers.abbreviate(m.toString()));
            }
            out.add(pair);
        }
        return out;
    }

    private static TextNormalizer normalizer(Optional<JsonFields> node) throws ModelFormatException {
        if (node.isEmpty()) {
            return TextNormalizer.IDENTITY;
        }
        JsonFields n = node.get();
        String type = n.requireString("type");
        return switch (type) {
            case "NFC" -> TextNormalizer.unicode(Normalizer.Form.NFC);
            case "NFD" -> TextNormalizer.unicode(Normalizer.Form.NFD);
            case "NFKC" -> TextNormalizer.unicode(Normalizer.Form.NFKC);
            case "NFKD" -> TextNormalizer.unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> TextNormalizer.lowercase();
            case "Prepend" -> TextNormalizer.prepend(n.requireString("prepend"));
            case "Replace" -> TextNormalizer.replace(pattern(n), n.requireString("content"));
            case "Strip" -> TextNormalizer.strip(n.bool("strip_left", true), n.bool("strip_right", true));
            case "Sequence" -> {
                List<TextNormalizer> steps = new ArrayList<>();
                for (JsonFields c : list(n, "normalizers")) {
                    steps.add(normalizer(Optional.of(c)));
                }
                yield TextNormalizer.sequence(steps);
            }
            default -> throw n.error("type", "unsupported normalizer \"" + type
                    + "\"; supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence");
        };
    }

    private static PreTokenizer preTokenizer(Optional<JsonFields> node) throws ModelFormatException {
        if (node.isEmpty()) {
            return PreTokenizer.IDENTITY;
        }
        JsonFields n = node.get();
        String type = n.requireString("type");
        return switch (type) {
            case "Split" -> PreTokenizer.split(pattern(n), behavior(n, "Removed"), n.bool("invert", false));
            case "ByteLevel" -> PreTokenizer.byteLevel(n.bool("add_prefix_space", true), n.bool("use_regex", true));
            case "Digits" -> PreTokenizer.splitOnChars(Chars::isNumeric, n.bool("individual_digits", false)
                    ? PreTokenizer.Behavior.ISOLATED : PreTokenizer.Behavior.CONTIGUOUS);
            case "Metaspace" -> PreTokenizer.metaspace(replacement(n), prependScheme(n), n.bool("split", true));
            case "Whitespace" -> PreTokenizer.split(Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS),
                    PreTokenizer.Behavior.REMOVED, true);
            case "WhitespaceSplit" -> PreTokenizer.splitOnChars(Chars::isWhiteSpace, PreTokenizer.Behavior.REMOVED);
            case "Punctuation" -> PreTokenizer.splitOnChars(Chars::isPunctuation, behavior(n, "Isolated"));
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                for (JsonFields c : list(n, "pretokenizers")) {
                    steps.add(preTokenizer(Optional.of(c)));
                }
                yield PreTokenizer.sequence(steps);
            }
            default -> throw n.error("type", "unsupported pre-tokenizer \"" + type + "\"; supported: Split, ByteLevel, "
                    + "Digits, Metaspace, Whitespace, WhitespaceSplit, Punctuation, Sequence");
        };
    }

    private static TokenDecoder decoder(Optional<JsonFields> node) throws ModelFormatException {
        if (node.isEmpty()) {
            return TokenDecoder.SPACE_JOINED;
        }
        JsonFields n = node.get();
        String type = n.requireString("type");
        return switch (type) {
            case "ByteLevel" -> TokenDecoder.byteLevel();
            case "Metaspace" -> TokenDecoder.metaspace(replacement(n), prependScheme(n));
            case "ByteFallback" -> TokenDecoder.byteFallback();
            case "Fuse" -> TokenDecoder.fuse();
            case "Strip" -> {
                String content = n.requireString("content");
                if (content.length() != 1) {
                    throw n.error("content", "expected one character");
                }
                yield TokenDecoder.strip(content.charAt(0), n.optionalInt("start").orElse(0),
                        n.optionalInt("stop").orElse(0));
            }
            case "Replace" -> TokenDecoder.replace(pattern(n), n.requireString("content"));
            case "Sequence" -> {
                List<TokenDecoder> steps = new ArrayList<>();
                for (JsonFields c : list(n, "decoders")) {
                    steps.add(decoder(Optional.of(c)));
                }
                yield TokenDecoder.sequence(steps);
            }
            default -> throw n.error("type", "unsupported decoder \"" + type
                    + "\"; supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence");
        };
    }

    private static PostProcessor postProcessor(Optional<JsonFields> node) throws ModelFormatException {
        if (node.isEmpty()) {
            return PostProcessor.NONE;
        }
        JsonFields n = node.get();
        String type = n.requireString("type");
        return switch (type) {
            case "ByteLevel" -> PostProcessor.NONE;
            case "TemplateProcessing" -> {
                JsonFields specials = n.object("special_tokens").orElseThrow(() -> n.error("special_tokens", "missing"));
                JsonNode single = n.node().get("single");
                if (single == null || !single.isArray()) {
                    throw n.error("single", "expected an array");
                }
                List<int[]> pieces = new ArrayList<>();
                for (int i = 0; i < single.size(); i++) {
                    JsonFields piece = n.child(single.get(i), "single[" + i + "]");
                    if (piece.has("Sequence")) {
                        pieces.add(null);
                    } else if (piece.has("SpecialToken")) {
                        String id = piece.object("SpecialToken").orElseThrow().requireString("id");
                        JsonFields token = specials.object(id).orElseThrow(() ->
                                specials.error(id, "the template uses it but it is not defined"));
                        List<Integer> ids = token.intOrList("ids");
                        if (ids.stream().anyMatch(x -> x < 0)) {
                            throw token.error("ids", "negative token id");
                        }
                        pieces.add(ids.stream().mapToInt(Integer::intValue).toArray());
                    } else {
                        throw piece.error("", "expected Sequence or SpecialToken");
                    }
                }
                yield PostProcessor.template(pieces);
            }
            case "RobertaProcessing", "BertProcessing" -> PostProcessor.wrap(new int[]{pairId(n, "cls")},
                    new int[]{pairId(n, "sep")});
            case "Sequence" -> {
                List<PostProcessor> steps = new ArrayList<>();
                for (JsonFields c : list(n, "processors")) {
                    steps.add(postProcessor(Optional.of(c)));
                }
                yield PostProcessor.sequence(steps);
            }
            default -> throw n.error("type", "unsupported post-processor \"" + type
                    + "\"; supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence");
        };
    }

    /** {@code "cls": ["<s>", 0]}: the id of a [token, id] pair. */
    private static int pairId(JsonFields n, String field) throws ModelFormatException {
        JsonNode pair = n.node().get(field);
        if (pair == null || !pair.isArray() || pair.size() != 2 || !pair.get(1).canConvertToInt()
                || !pair.get(1).isIntegralNumber() || pair.get(1).intValue() < 0) {
            throw n.error(field, "expected [token, id]");
        }
        return pair.get(1).intValue();
    }

    /** {@code pattern: {"String": "x"}} (literal) or {@code {"Regex": "..."}} (Oniguruma). */
    private static Pattern pattern(JsonFields n) throws ModelFormatException {
        JsonFields p = n.object("pattern").orElseThrow(() -> n.error("pattern", "missing"));
        if (p.has("String")) {
            return Pattern.compile(Pattern.quote(p.requireString("String")));
        }
        if (p.has("Regex")) {
            return Tokenizers.compile(p, "Regex", p.requireString("Regex"));
        }
        throw n.error("pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }

    private static PreTokenizer.Behavior behavior(JsonFields n, String defaultValue) throws ModelFormatException {
        String b = n.optionalString("behavior").orElse(defaultValue);
        try {
            return PreTokenizer.Behavior.of(b);
        } catch (IllegalArgumentException e) {
            throw n.error("behavior", e.getMessage());
        }
    }

    private static char replacement(JsonFields n) throws ModelFormatException {
        String r = n.optionalString("replacement").orElse("\u2581");
        if (r.length() != 1) {
            throw n.error("replacement", "expected one character, got \"" + r + "\"");
        }
        return r.charAt(0);
    }

    private static String prependScheme(JsonFields n) throws ModelFormatException {
        Optional<String> scheme = n.optionalString("prepend_scheme");
        if (scheme.isPresent()) {
            String s = scheme.get();
            if (!s.equals("always") && !s.equals("first") && !s.equals("never")) {
                throw n.error("prepend_scheme", "expected always, first or never, got \"" + s + "\"");
            }
            return s;
        }
        return n.bool("add_prefix_space", true) ? "always" : "never";
    }

    private static List<JsonFields> list(JsonFields n, String field) throws ModelFormatException {
        JsonNode arr = n.node().get(field);
        if (arr == null || !arr.isArray()) {
            throw n.error(field, "expected an array");
        }
        List<JsonFields> out = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            out.add(n.child(arr.get(i), field + "[" + i + "]"));
        }
        return out;
    }
}
