package io.github.dllmquant.core.spi;

/**
 * The operation right before a linear group that can absorb a per-channel scale {@code 1/s} of the
 * group's input (smoothing methods divide it, then multiply the group's weight columns by {@code s}).
 *
 * @param norm      the norm whose gain absorbs the scale, or {@code null}
 * @param linearRows the linear whose output rows (and bias) absorb the scale, or {@code null}
 */
public record Absorber(NormRole norm, LinearRole linearRows) {

    public Absorber {
        if ((norm == null) == (linearRows == null)) {
            throw new IllegalArgumentException("exactly one of norm and linearRows must be set");
        }
    }

    /** The scale is absorbed by a norm's gain. */
    public static Absorber norm(NormRole norm) {
        return new Absorber(norm, null);
    }

    /** The scale is absorbed by the output rows of a preceding linear. */
    public static Absorber rows(LinearRole linear) {
        return new Absorber(null, linear);
    }
}
