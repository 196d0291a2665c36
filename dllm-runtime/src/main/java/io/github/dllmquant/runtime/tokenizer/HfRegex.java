package io.github.dllmquant.runtime.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the Oniguruma regexes of tokenizer.json for {@link java.util.regex}.
 *
 * <p>What differs and is translated here:
 * <ul>
 *   <li>{@code \s}, {@code \w}, {@code \d}, {@code \b} are Unicode-aware in Oniguruma but ASCII in Java by
 *       default: compiled with {@link Pattern#UNICODE_CHARACTER_CLASS} (which also makes {@code (?i)}
 *       fold case the Unicode way, so {@code (?i:'s)} matches {@code 'ſ} as it does in Oniguruma).</li>
 *   <li>{@code \w} / {@code \W}: Oniguruma counts every number (General_Category N) and every Alphabetic
 *       symbol as a word character.</li>
 *   <li>{@code \h} / {@code \H} mean hex digit in Oniguruma but horizontal space in Java.</li>
 *   <li>Script names without a prefix ({@code \p{Han}}) need Java's {@code Is} prefix.</li>
 *   <li>Java's {@code \v} is vertical whitespace, Oniguruma's is the single U+000B.</li>
 * </ul>
 * The rest (classes, {@code \p{L}}, {@code \p{N}}, look-ahead, possessive and lazy quantifiers, inline
 * flag groups) has the same meaning in both.
 */
final class HfRegex {

    private static final String WORD = "[\\p{IsAlphabetic}\\p{M}\\p{N}\\p{Pc}]";
    private static final String NON_WORD = "[^\\p{IsAlphabetic}\\p{M}\\p{N}\\p{Pc}]";

    private HfRegex() {
    }

    /** Compiles an Oniguruma pattern; a pattern Java cannot express throws {@link PatternSyntaxException}. */
    static Pattern compile(String onig) {
        return Pattern.compile(translate(onig), Pattern.UNICODE_CHARACTER_CLASS);
    }

    static String translate(String onig) {
        StringBuilder out = new StringBuilder(onig.length() + 16);
        int i = 0;
        while (i < onig.length()) {
            char c = onig.charAt(i);
            if (c != '\\' || i + 1 >= onig.length()) {
                out.append(c);
                i++;
                continue;
            }
            char e = onig.charAt(i + 1);
            switch (e) {
                case 'h' -> { out.append("[0-9a-fA-F]"); i += 2; }
                case 'H' -> { out.append("[^0-9a-fA-F]"); i += 2; }
                case 'v' -> { out.append("\\x0B"); i += 2; }
                // Oniguruma's Unicode \w is Alphabetic | Mark | Number | Connector_Punctuation (measured
                // against the tokenizers library: '½', '²', 'ⓜ' are word characters, ZWJ is not); Java's
                // counts only decimal digits among numbers. A nested class is a union in Java, so this
                // also works inside [...]
                case 'w' -> { out.append(WORD); i += 2; }
                case 'W' -> { out.append(NON_WORD); i += 2; }
                case 'p', 'P' -> {
                    int close = onig.indexOf('}', i);
                    if (i + 2 < onig.length() && onig.charAt(i + 2) == '{' && close > 0) {
                        String name = onig.substring(i + 3, close);
                        char letter = e;
                        if (name.startsWith("^")) { // Oniguruma's \p{^X} is \P{X}
                            letter = e == 'p' ? 'P' : 'p';
                            name = name.substring(1);
                        }
                        out.append('\\').append(letter).append('{').append(javaPropertyName(name)).append('}');
                        i = close + 1;
                    } else {
                        out.append(c).append(e);
                        i += 2;
                    }
                }
                default -> { out.append(c).append(e); i += 2; }
            }
        }
        return out.toString();
    }

    /** Keeps names Java knows; otherwise tries the script/binary-property spelling {@code IsName}. */
    private static String javaPropertyName(String name) {
        String bare = name;
        if (compiles("\\p{" + bare + "}")) {
            return bare;
        }
        if (compiles("\\p{Is" + bare + "}")) {
            return "Is" + bare;
        }
        return bare; // let Pattern.compile report it
    }

    private static boolean compiles(String regex) {
        try {
            Pattern.compile(regex);
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }
}
