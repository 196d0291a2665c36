package io.github.dllmquant.examples.study;

/**
 * A finding of the paper tested on a model: the rule that decides it, the verdict and the numbers.
 *
 * @param id       {@code F1} .. {@code F7}
 * @param claim    the paper's claim in a sentence
 * @param rule     how the verdict is computed from the measurements
 * @param verdict  the outcome
 * @param evidence the numbers that decided it
 */
public record Finding(String id, String claim, String rule, Verdict verdict, String evidence) {

    /** The possible outcomes. */
    public enum Verdict {
        HOLDS("holds"), DOES_NOT_HOLD("does not hold"), INCONCLUSIVE("inconclusive"), NOT_TESTABLE("not testable");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
