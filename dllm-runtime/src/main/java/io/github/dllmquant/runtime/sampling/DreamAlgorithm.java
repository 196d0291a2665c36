package io.github.dllmquant.runtime.sampling;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which masked positions Dream's sampler unmasks in a step (spec §5, argument {@code alg}). */
public enum DreamAlgorithm {
    /** Each masked position independently with probability {@code 1 − s/t}. */
    ORIGIN,
    /** The most probable tokens first (confidence = probability of the chosen token). */
    MASKGIT_PLUS,
    /** Confidence = probability of the best token minus that of the second. */
    TOPK_MARGIN,
    /** Confidence = negative entropy of the position's distribution. */
    ENTROPY;

    /** The reference's spelling, for example {@code maskgit_plus}. */
    public String referenceName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses the reference's spelling, case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static DreamAlgorithm fromName(String name) {
        for (DreamAlgorithm a : values()) {
            if (a.referenceName().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown Dream algorithm '" + name + "', expected one of "
                + Arrays.stream(values()).map(DreamAlgorithm::referenceName).collect(Collectors.joining(", ")));
    }
}
