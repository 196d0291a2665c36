package io.github.dllmquant.runtime.tokenizer;

/** Character classes as the reference tokenizers (Rust {@code char}, Oniguruma) define them. */
final class Chars {

    private Chars() {
    }

    /**
     * The Unicode White_Space property (Rust {@code char::is_whitespace}, regex {@code \s}). Unlike
     * {@link Character#isWhitespace}, it includes no-break spaces and excludes U+001C..U+001F.
     */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Regex {@code \w} in Unicode mode: alphabetic, marks, decimal digits, connector punctuation, joiners. */
    static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.CONNECTOR_PUNCTUATION
                || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    /** Rust {@code char::is_numeric}: general categories Nd, Nl, No. */
    static boolean isNumeric(int cp) {
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** Hugging Face's punctuation test: ASCII punctuation or a Unicode P* category. */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) {
            return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60)
                    || (cp >= 0x7B && cp <= 0x7E);
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }
}
