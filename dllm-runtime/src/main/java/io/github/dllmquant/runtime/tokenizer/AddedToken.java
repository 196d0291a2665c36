package io.github.dllmquant.runtime.tokenizer;

/**
 * A token matched in the text before pre-tokenization (Hugging Face {@code AddedToken}).
 *
 * @param id         its id
 * @param content    the exact text that stands for it
 * @param special    a control token ({@code <|endoftext|>}); dropped by decoding that skips specials
 * @param lstrip     the match swallows whitespace on its left
 * @param rstrip     the match swallows whitespace on its right
 * @param singleWord match only when not glued to word characters on either side
 * @param normalized match against the normalized text rather than the raw text
 */
public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip,
                         boolean singleWord, boolean normalized) {

    public AddedToken {
        if (id < 0) {
            throw new IllegalArgumentException("added token id must be >= 0, got " + id);
        }
        if (content == null || content.isEmpty()) {
            throw new IllegalArgumentException("added token " + id + " has empty content");
        }
    }
}
