package io.github.dllmquant.runtime.sampling;

import java.util.Arrays;

/**
 * What one denoising step did.
 *
 * @param step      0-based index of the step over the whole generation
 * @param block     0-based semi-autoregressive block the step worked on (always 0 for Dream)
 * @param positions sequence positions unmasked in this step, ascending (may be empty: Dream's
 *                  {@code origin} algorithm can leave every position masked in a step)
 * @param tokens    the token written at each of {@code positions}
 */
public record StepEvent(int step, int block, int[] positions, int[] tokens) {

    public StepEvent {
        if (positions.length != tokens.length) {
            throw new IllegalArgumentException("positions has " + positions.length + " entries but tokens has "
                    + tokens.length);
        }
        positions = positions.clone();
        tokens = tokens.clone();
    }

    /** The unmasked positions (a copy). */
    @Override
    public int[] positions() {
        return positions.clone();
    }

    /** The tokens written (a copy). */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepEvent e && step == e.step && block == e.block
                && Arrays.equals(positions, e.positions) && Arrays.equals(tokens, e.tokens);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * step + block) + Arrays.hashCode(positions)) + Arrays.hashCode(tokens);
    }

    @Override
    public String toString() {
        return "StepEvent[step=" + step + ", block=" + block + ", positions=" + Arrays.toString(positions)
                + ", tokens=" + Arrays.toString(tokens) + "]";
    }
}
