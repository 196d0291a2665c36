package io.github.dllmquant.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.dllmquant.runtime.config.JsonFields;
import io.github.dllmquant.runtime.config.ModelFormatException;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Loads the {@link Tokenizer} of a model folder, in either form the reference models ship:
 * <ul>
 *   <li>{@code tokenizer.json} (Hugging Face fast tokenizer; LLaDA), with tokenizer_config.json for the
 *       special token names and the chat template;</li>
 *   <li>GPT-2-style {@code vocab.json} + {@code merges.txt} (Dream), read with the Qwen2 rules of
 *       dllm-runtime.md §3 (NFC, the Qwen2 split regex, byte-level BPE) and the added tokens of
 *       tokenizer_config.json's {@code added_tokens_decoder}.</li>
 * </ul>
 * Malformed files raise {@link ModelFormatException} naming the file and the problem.
 */
public final class Tokenizers {

    /** Qwen2's pre-tokenizer regex (single digits, contractions, letters with one leading non-letter). */
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Ids beyond this many past the token count mean a corrupt or hostile file, not a sparse vocabulary. */
    private static final int MAX_ID_SLACK = 1 << 20;

    private Tokenizers() {
    }

    /** The tokenizer of a model folder. */
    public static Tokenizer load(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw ModelFormatException.of(folder, "not a model folder (no such directory)");
        }
        TokenizerConfig config = TokenizerConfig.load(folder);
        Path json = folder.resolve("tokenizer.json");
        if (Files.exists(json)) {
            return TokenizerJsonReader.read(JsonFields.read(json), config);
        }
        Path vocab = folder.resolve("vocab.json");
        Path merges = folder.resolve("merges.txt");
        if (Files.exists(vocab) || Files.exists(merges)) {
            return gpt2(vocab, merges, config);
        }
        throw ModelFormatException.of(folder, "no tokenizer: expected tokenizer.json, or vocab.json with merges.txt");
    }

    /** GPT-2-style files with the Qwen2 rules (the slow tokenizer Dream ships). */
    static Tokenizer gpt2(Path vocabFile, Path mergesFile, TokenizerConfig config) throws IOException {
        JsonFields vocabJson = JsonFields.read(vocabFile);
        Map<String, Integer> vocab = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = vocabJson.node().fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                throw ModelFormatException.of(vocabFile, "token \"" + e.getKey() + "\" has id " + v
                        + "; expected a non-negative integer");
            }
            vocab.put(e.getKey(), v.intValue());
        }
        List<String[]> merges = readMergesTxt(mergesFile);
        checkMerges(merges, vocab, "", mergesFile, "line ");
        int unk = config.unkToken().map(t -> vocab.getOrDefault(t, -1)).orElse(-1);
        if (unk < 0 && config.unkToken().isPresent()) {
            // Qwen2's unk is <|endoftext|>, an added token; it is never needed by byte-level BPE
            unk = config.addedTokensDecoder().stream().filter(t -> t.content().equals(config.unkToken().get()))
                    .mapToInt(AddedToken::id).findFirst().orElse(-1);
        }
        BpeModel model = new BpeModel(vocab, merges, unk, false, false, false, "", "");
        PreTokenizer pre = PreTokenizer.sequence(List.of(
                PreTokenizer.split(HfRegex.compile(QWEN2_PATTERN), PreTokenizer.Behavior.ISOLATED, false),
                PreTokenizer.byteLevel(false, false)));
        String[] ids = idTable(vocab, config.addedTokensDecoder(), vocabFile);
        Tokenizer plain = new Tokenizer(TextNormalizer.unicode(java.text.Normalizer.Form.NFC),
                config.addedTokensDecoder(), TextNormalizer.IDENTITY, pre, model, TokenDecoder.byteLevel(),
                PostProcessor.NONE, config, ids);
        int[] bos = specialIds(plain, config.addBosToken(), config.bosToken(), "bos_token", vocabFile);
        int[] eos = specialIds(plain, config.addEosToken(), config.eosToken(), "eos_token", vocabFile);
        if (bos.length == 0 && eos.length == 0) {
            return plain;
        }
        return new Tokenizer(TextNormalizer.unicode(java.text.Normalizer.Form.NFC), config.addedTokensDecoder(),
                TextNormalizer.IDENTITY, pre, model, TokenDecoder.byteLevel(), PostProcessor.wrap(bos, eos),
                config, ids);
    }

    /** The id of a special token the config asks to add, or nothing. */
    private static int[] specialIds(Tokenizer t, boolean add, java.util.Optional<String> token, String field,
                                    Path file) throws ModelFormatException {
        if (!add) {
            return new int[0];
        }
        String text = token.orElseThrow(() -> ModelFormatException.of(file.resolveSibling("tokenizer_config.json"),
                "add_" + field + " is true but " + field + " is not set"));
        java.util.OptionalInt id = t.tokenId(text);
        if (id.isEmpty()) {
            throw ModelFormatException.of(file.resolveSibling("tokenizer_config.json"),
                    field + " \"" + text + "\" is not a token of the vocabulary");
        }
        return new int[]{id.getAsInt()};
    }

    /** merges.txt: an optional {@code #version} line, then one {@code "left right"} pair per line. */
    static List<String[]> readMergesTxt(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw ModelFormatException.of(file, "merges file missing (vocab.json needs merges.txt)", e);
        } catch (CharacterCodingException e) {
            throw ModelFormatException.of(file, "not valid UTF-8", e);
        }
        List<String[]> merges = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isBlank()) {
                continue;
            }
            String[] pair = line.split(" ", -1);
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw ModelFormatException.of(file, "line " + (i + 1) + ": expected two tokens separated by one space, got \""
                        + abbreviate(line) + "\"");
            }
            merges.add(pair);
        }
        return merges;
    }

    /** Both sides of each merge and their concatenation must be tokens of the vocabulary. */
    static void checkMerges(List<String[]> merges, Map<String, Integer> vocab, String prefix, Path file,
                            String where) throws ModelFormatException {
        for (int i = 0; i < merges.size(); i++) {
            String[] m = merges.get(i);
            for (String side : m) {
                if (!vocab.containsKey(side)) {
                    throw ModelFormatException.of(file, where + (i + 1) + ": merge \"" + abbreviate(m[0] + " " + m[1])
                            + "\" uses \"" + abbreviate(side) + "\", which is not in the vocabulary");
                }
            }
            String merged = BpeModel.mergedToken(m[0], m[1], prefix);
            if (!vocab.containsKey(merged)) {
                throw ModelFormatException.of(file, where + (i + 1) + ": merge \"" + abbreviate(m[0] + " " + m[1])
                        + "\" produces \"" + abbreviate(merged) + "\", which is not in the vocabulary");
            }
        }
    }

    /** id → token for the vocabulary and the added tokens (added tokens win on a shared id). */
    static String[] idTable(Map<String, Integer> vocab, List<AddedToken> added, Path file) throws ModelFormatException {
        int max = -1;
        for (int id : vocab.values()) {
            max = Math.max(max, id);
        }
        for (AddedToken t : added) {
            max = Math.max(max, t.id());
        }
        long limit = (long) vocab.size() + added.size() + MAX_ID_SLACK;
        if (max >= limit) {
            throw ModelFormatException.of(file, "token id " + max + " is far beyond the " + (vocab.size() + added.size())
                    + " tokens defined (corrupt ids?)");
        }
        String[] table = new String[max + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            String previous = table[e.getValue()];
            if (previous != null) {
                throw ModelFormatException.of(file, "tokens \"" + abbreviate(previous) + "\" and \""
                        + abbreviate(e.getKey()) + "\" share id " + e.getValue());
            }
            table[e.getValue()] = e.getKey();
        }
        for (AddedToken t : added) {
            table[t.id()] = t.content();
        }
        return table;
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** Compiles a pattern from a tokenizer file, reporting a bad one as a format error. */
    static Pattern compile(JsonFields f, String field, String regex) throws ModelFormatException {
        try {
            return HfRegex.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw f.error(field, "regex not supported: " + e.getDescription() + " in " + abbreviate(regex));
        }
    }
}
