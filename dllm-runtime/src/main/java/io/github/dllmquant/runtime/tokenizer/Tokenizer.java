package io.github.dllmquant.runtime.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A BPE tokenizer with Hugging Face semantics: added tokens matched first (longest match), then the
 * normalizer, pre-tokenizers and BPE merges by rank on the text between them; decoding through the
 * decoder chain (ByteLevel for LLaDA and Dream). Load one with {@link Tokenizers#load}.
 *
 * <p>Immutable and thread-safe: one instance serves concurrent callers. {@link #encode} never adds
 * BOS/EOS; callers that want the reference's {@code add_bos_token} behaviour check
 * {@link TokenizerConfig#addBosToken()} and prepend {@link #bosTokenId()}.
 *
 * <p>Input strings with unpaired UTF-16 surrogates (which no UTF-8 text contains) are encoded as if each
 * unpaired surrogate were U+FFFD.
 */
public final class Tokenizer {

    private final TextNormalizer preNormalizer;
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final BpeModel model;
    private final TokenDecoder decoder;
    private final PostProcessor postProcessor;
    private final String[] idToToken;
    private final boolean[] special;
    private final Map<String, Integer> addedByContent;
    private final List<AddedToken> addedTokens;
    private final TokenizerConfig config;
    private final OptionalInt bos, eos, pad, mask;

    /**
     * @param preNormalizer applied to the whole text before added tokens are matched (the slow Qwen2
     *                      tokenizer's NFC); identity for tokenizer.json
     */
    Tokenizer(TextNormalizer preNormalizer, List<AddedToken> added, TextNormalizer normalizer,
              PreTokenizer preTokenizer, BpeModel model, TokenDecoder decoder, PostProcessor postProcessor,
              TokenizerConfig config, String[] idToToken) {
        this.preNormalizer = preNormalizer;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.decoder = decoder;
        this.postProcessor = postProcessor;
        this.config = config;
        this.idToToken = idToToken;
        this.addedTokens = List.copyOf(added);
        this.special = new boolean[idToToken.length];
        Map<String, Integer> byContent = new HashMap<>();
        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> normalized = new ArrayList<>();
        for (AddedToken t : added) {
            byContent.putIfAbsent(t.content(), t.id());
            special[t.id()] = t.special();
            (t.normalized() ? normalized : raw).add(t);
        }
        this.addedByContent = Map.copyOf(byContent);
        this.rawMatcher = new AddedTokenMatcher(raw);
        this.normalizedMatcher = new AddedTokenMatcher(normalized);
        this.bos = idOf(config.bosToken().orElse(null));
        this.eos = idOf(config.eosToken().orElse(null));
        this.pad = idOf(config.padToken().orElse(null));
        this.mask = idOf(config.maskToken().orElse(null));
    }

    /** Token ids of {@code text}; added and special tokens written in the text become their ids. */
    public int[] encode(String text) {
        String input = preNormalizer.normalize(replaceLoneSurrogates(text));
        IntList out = new IntList(input.length() / 3 + 4);
        boolean atStart = true;
        for (AddedTokenMatcher.Segment raw : rawMatcher.split(input)) {
            if (raw.token() != null) {
                out.add(raw.token().id());
                atStart = false;
                continue;
            }
            String normalized = normalizer.normalize(raw.text());
            for (AddedTokenMatcher.Segment seg : normalizedMatcher.split(normalized)) {
                if (seg.token() != null) {
                    out.add(seg.token().id());
                } else {
                    for (String piece : preTokenizer.apply(List.of(seg.text()), atStart)) {
                        out.addAll(model.tokenize(piece));
                    }
                }
                atStart = false;
            }
            atStart = false;
        }
        return out.toArray();
    }

    /**
     * Token ids of {@code text}, with the special tokens the reference adds when
     * {@code add_special_tokens=True} if {@code addSpecialTokens}: the post-processor of tokenizer.json
     * (e.g. TemplateProcessing {@code <s> $A}), or for GPT-2-style folders BOS/EOS as
     * {@code add_bos_token}/{@code add_eos_token} of tokenizer_config.json say.
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        int[] ids = encode(text);
        return addSpecialTokens ? postProcessor.process(ids) : ids;
    }

    /** The text of {@code ids}, special tokens included. Ids without a token are skipped, as the reference does. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** The text of {@code ids}; with {@code skipSpecialTokens}, special added tokens are left out. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
                continue;
            }
            if (skipSpecialTokens && special[id]) {
                continue;
            }
            tokens.add(idToToken[id]);
        }
        String text = String.join("", decoder.decodeChain(tokens));
        return config.cleanUpTokenizationSpaces() ? cleanUpSpaces(text) : text;
    }

    /** The id of a token string (as stored in the vocabulary, e.g. {@code "Ġworld"}, or an added token's text). */
    public OptionalInt tokenId(String token) {
        Integer id = addedByContent.get(token);
        if (id == null) {
            id = model.vocab().get(token);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token string of {@code id} as stored in the vocabulary; throws for an id without a token. */
    public String token(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            throw new IllegalArgumentException("no token with id " + id + " (vocabulary size " + vocabSize() + ")");
        }
        return idToToken[id];
    }

    /** One past the highest id of the vocabulary and the added tokens. */
    public int vocabSize() {
        return idToToken.length;
    }

    /** Whether {@code id} is a special added token (dropped by {@code decode(ids, true)}). */
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** The added tokens, in id order. */
    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /** The tokenizer_config.json facts (special token texts, chat template, add_bos_token). */
    public TokenizerConfig config() {
        return config;
    }

    /** The BOS id named by tokenizer_config.json. */
    public OptionalInt bosTokenId() {
        return bos;
    }

    /** The EOS id named by tokenizer_config.json. */
    public OptionalInt eosTokenId() {
        return eos;
    }

    /** The padding id named by tokenizer_config.json. */
    public OptionalInt padTokenId() {
        return pad;
    }

    /** The mask id named by tokenizer_config.json. */
    public OptionalInt maskTokenId() {
        return mask;
    }

    private OptionalInt idOf(String token) {
        return token == null ? OptionalInt.empty() : tokenId(token);
    }

    private static String replaceLoneSurrogates(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return rebuildWithoutLoneSurrogates(s);
            }
        }
        return s;
    }

    private static String rebuildWithoutLoneSurrogates(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            sb.appendCodePoint(Character.isSurrogate((char) cp) && cp < 0x10000 ? 0xFFFD : cp);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    /** transformers' {@code clean_up_tokenization}: no space before punctuation and English contractions. */
    static String cleanUpSpaces(String text) {
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** Growable int array, to avoid boxing while collecting ids. */
    private static final class IntList {
        private int[] a;
        private int size;

        IntList(int capacity) {
            a = new int[Math.max(capacity, 8)];
        }

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }

        void addAll(int[] vs) {
            if (size + vs.length > a.length) {
                a = Arrays.copyOf(a, Math.max(size * 2, size + vs.length));
            }
            System.arraycopy(vs, 0, a, size, vs.length);
            size += vs.length;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
