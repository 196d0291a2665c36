package io.github.dllmquant.runtime.sampling;

import java.util.Locale;

/**
 * Approximate key/value caching between denoising steps (dllm-runtime.md §6). At the start of each
 * semi-autoregressive block one full forward refreshes the cache (and serves that block's first step);
 * the block's other steps recompute only some positions.
 */
public enum CacheMode {
    /** No cache: every step runs the whole sequence (exact; the default). */
    NONE,
    /** The current block and every later position are recomputed; the prefix comes from the cache. */
    PREFIX,
    /** Only the current block is recomputed; prefix and suffix come from the cache. */
    DUAL;

    /** Parses {@code none}, {@code prefix} or {@code dual} (any case). */
    public static CacheMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("cache mode must be none, prefix or dual, got '" + text + "'");
        }
    }
}
