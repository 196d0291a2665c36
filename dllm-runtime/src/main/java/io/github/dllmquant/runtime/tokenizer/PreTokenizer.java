package io.github.dllmquant.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face pre-tokenizer: cuts normalized text into the pieces BPE sees. Each step maps every
 * current piece to sub-pieces ({@link #split(String, boolean)}); empty pieces are dropped.
 */
interface PreTokenizer {

    /**
     * Sub-pieces of one piece.
     *
     * @param piece the piece
     * @param first whether it is the first piece of the text (Metaspace's {@code prepend_scheme: first})
     */
    List<String> split(String piece, boolean first);

    /**
     * Applies this step to every piece of {@code pieces}.
     *
     * @param atTextStart whether the first piece starts the whole input text (not after an added token)
     */
    default List<String> apply(List<String> pieces, boolean atTextStart) {
        List<String> out = new ArrayList<>(pieces.size() * 2);
        for (int i = 0; i < pieces.size(); i++) {
            for (String s : split(pieces.get(i), atTextStart && i == 0)) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** No split. */
    PreTokenizer IDENTITY = (piece, first) -> List.of(piece);

    /** How a split treats the delimiters it finds (Hugging Face {@code SplitDelimiterBehavior}). */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        /** Parses {@code "Isolated"}, {@code "MergedWithPrevious"}, ... */
        static Behavior of(String name) {
            for (Behavior b : values()) {
                if (b.name().replace("_", "").equalsIgnoreCase(name)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("unknown split behavior \"" + name
                    + "\"; supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
        }
    }

    /** Split on regex matches; with {@code invert}, the matches are the kept pieces and the rest delimits. */
    static PreTokenizer split(Pattern pattern, Behavior behavior, boolean invert) {
        return (piece, first) -> {
            List<int[]> spans = new ArrayList<>(); // {start, end, isDelimiter}
            Matcher m = pattern.matcher(piece);
            int prev = 0;
            while (m.find()) {
                if (m.start() > prev) {
                    spans.add(new int[]{prev, m.start(), invert ? 1 : 0});
                }
                if (m.end() > m.start()) {
                    spans.add(new int[]{m.start(), m.end(), invert ? 0 : 1});
                }
                prev = m.end();
            }
            if (prev < piece.length()) {
                spans.add(new int[]{prev, piece.length(), invert ? 1 : 0});
            }
            return applyBehavior(piece, spans, behavior);
        };
    }

    /** Split on characters matching {@code delimiter} (used by Digits, Punctuation, Metaspace, WhitespaceSplit). */
    static PreTokenizer splitOnChars(IntPredicate delimiter, Behavior behavior) {
        return (piece, first) -> {
            List<int[]> spans = new ArrayList<>();
            int i = 0;
            int plainStart = 0;
            while (i < piece.length()) {
                int cp = piece.codePointAt(i);
                int next = i + Character.charCount(cp);
                if (delimiter.test(cp)) {
                    if (i > plainStart) {
                        spans.add(new int[]{plainStart, i, 0});
                    }
                    spans.add(new int[]{i, next, 1});
                    plainStart = next;
                }
                i = next;
            }
            if (plainStart < piece.length()) {
                spans.add(new int[]{plainStart, piece.length(), 0});
            }
            return applyBehavior(piece, spans, behavior);
        };
    }

    private static List<String> applyBehavior(String piece, List<int[]> spans, Behavior behavior) {
        List<String> out = new ArrayList<>();
        switch (behavior) {
            case REMOVED -> {
                for (int[] s : spans) {
                    if (s[2] == 0) {
                        out.add(piece.substring(s[0], s[1]));
                    }
                }
            }
            case ISOLATED -> {
                for (int[] s : spans) {
                    out.add(piece.substring(s[0], s[1]));
                }
            }
            case CONTIGUOUS -> {
                int i = 0;
                while (i < spans.size()) {
                    int j = i + 1;
                    if (spans.get(i)[2] == 1) {
                        while (j < spans.size() && spans.get(j)[2] == 1) {
                            j++;
                        }
                    }
                    out.add(piece.substring(spans.get(i)[0], spans.get(j - 1)[1]));
                    i = j;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                int start = 0;
                for (int[] s : spans) {
                    if (s[2] == 1) {
                        out.add(piece.substring(start, s[1]));
                        start = s[1];
                    }
                }
                if (start < piece.length()) {
                    out.add(piece.substring(start));
                }
            }
            case MERGED_WITH_NEXT -> {
                int start = 0;
                for (int[] s : spans) {
                    if (s[2] == 1 && s[0] > start) {
                        out.add(piece.substring(start, s[0]));
                        start = s[0];
                    }
                }
                if (start < piece.length()) {
                    out.add(piece.substring(start));
                }
            }
        }
        return out;
    }

    /** GPT-2's pre-tokenizer regex, used by ByteLevel with {@code use_regex: true}. */
    Pattern GPT2_PATTERN = HfRegex.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    /** ByteLevel: optional leading space, optional GPT-2 regex split, then bytes mapped to visible characters. */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        PreTokenizer regex = split(GPT2_PATTERN, Behavior.ISOLATED, false);
        return (piece, first) -> {
            String p = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
            List<String> parts = useRegex ? regex.split(p, first) : List.of(p);
            List<String> out = new ArrayList<>(parts.size());
            for (String s : parts) {
                out.add(ByteLevel.encode(s));
            }
            return out;
        };
    }

    /** Metaspace: spaces become {@code replacement}, optionally prefixed, optionally split before each. */
    static PreTokenizer metaspace(char replacement, String prependScheme, boolean split) {
        PreTokenizer splitter = splitOnChars(cp -> cp == replacement, Behavior.MERGED_WITH_NEXT);
        String rep = String.valueOf(replacement);
        return (piece, first) -> {
            String p = piece.replace(" ", rep);
            boolean prepend = switch (prependScheme) {
                case "always" -> true;
                case "first" -> first;
                default -> false;
            };
            if (prepend && !p.startsWith(rep)) {
                p = rep + p;
            }
            return split ? splitter.split(p, first) : List.of(p);
        };
    }

    /** Runs {@code steps} one after the other. */
    static PreTokenizer sequence(List<PreTokenizer> steps) {
        List<PreTokenizer> copy = List.copyOf(steps);
        return new PreTokenizer() {
            @Override
            public List<String> split(String piece, boolean first) {
                return apply(List.of(piece), first);
            }

            @Override
            public List<String> apply(List<String> pieces, boolean atTextStart) {
                List<String> current = pieces;
                for (PreTokenizer p : copy) {
                    current = p.apply(current, atTextStart);
                }
                return current;
            }
        };
    }
}
