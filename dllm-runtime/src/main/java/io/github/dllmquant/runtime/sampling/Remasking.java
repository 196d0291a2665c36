package io.github.dllmquant.runtime.sampling;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the LLaDA sampler ranks the masked positions it may unmask in a step (spec §4). */
public enum Remasking {
    /** Confidence = softmax probability of the chosen token. */
    LOW_CONFIDENCE,
    /** Confidence = a uniform random number per position. */
    RANDOM;

    /** The reference's spelling, for example {@code low_confidence}. */
    public String referenceName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses the reference's spelling ({@code low_confidence}, {@code random}), case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Remasking fromName(String name) {
        for (Remasking r : values()) {
            if (r.referenceName().equalsIgnoreCase(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown remasking '" + name + "', expected one of "
                + Arrays.stream(values()).map(Remasking::referenceName).collect(Collectors.joining(", ")));
    }
}
