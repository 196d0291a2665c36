package io.github.dllmquant.runtime.tokenizer;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Hugging Face normalizer: rewrites a plain-text segment before pre-tokenization. */
interface TextNormalizer {

    String normalize(String text);

    /** No change. */
    TextNormalizer IDENTITY = text -> text;

    /** A Unicode normalization form (NFC, NFD, NFKC, NFKD). */
    static TextNormalizer unicode(Normalizer.Form form) {
        return text -> Normalizer.isNormalized(text, form) ? text : Normalizer.normalize(text, form);
    }

    /** Lower-cases (Unicode rules, no locale). */
    static TextNormalizer lowercase() {
        return text -> text.toLowerCase(Locale.ROOT);
    }

    /** Prepends {@code prefix} to a non-empty text (the Metaspace-era LLaMA normalizer). */
    static TextNormalizer prepend(String prefix) {
        return text -> text.isEmpty() ? text : prefix + text;
    }

    /** Replaces every match of {@code pattern} by {@code content}, literally. */
    static TextNormalizer replace(Pattern pattern, String content) {
        String literal = Matcher.quoteReplacement(content);
        return text -> pattern.matcher(text).replaceAll(literal);
    }

    /** Strips whitespace on the left and/or right. */
    static TextNormalizer strip(boolean left, boolean right) {
        return text -> {
            int start = 0;
            int end = text.length();
            while (left && start < end && Chars.isWhiteSpace(text.codePointAt(start))) {
                start += Character.charCount(text.codePointAt(start));
            }
            while (right && end > start && Chars.isWhiteSpace(text.codePointBefore(end))) {
                end -= Character.charCount(text.codePointBefore(end));
            }
            return text.substring(start, end);
        };
    }

    /** Applies {@code steps} in order. */
    static TextNormalizer sequence(List<TextNormalizer> steps) {
        List<TextNormalizer> copy = List.copyOf(steps);
        return text -> {
            String s = text;
            for (TextNormalizer n : copy) {
                s = n.normalize(s);
            }
            return s;
        };
    }
}
