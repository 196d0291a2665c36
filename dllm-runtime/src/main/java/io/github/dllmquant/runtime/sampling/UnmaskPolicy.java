package io.github.dllmquant.runtime.sampling;

/**
 * How many of the ranked candidate positions a LLaDA step unmasks: the seam between the sampler loop
 * and the decoding schedule (spec §4 and §6).
 *
 * <ul>
 *   <li>{@link Fixed}: the vanilla schedule, {@code k_t} tokens per step from the block's step count.
 *   <li>{@link Threshold}: Fast-dLLM's parallel decoding: every candidate with confidence
 *       {@code >= threshold}, at least the most confident one; steps run until the block is full.
 *   <li>{@link Factor}: Fast-dLLM's factor rule: the largest {@code n} with
 *       {@code (n+1)(1 − c_(n)) < factor}, at least one.
 * </ul>
 */
public sealed interface UnmaskPolicy {

    /** The vanilla fixed schedule (the default, reproduces the reference). */
    static UnmaskPolicy fixed() {
        return Fixed.INSTANCE;
    }

    /** Confidence-threshold parallel decoding. */
    static UnmaskPolicy threshold(double threshold) {
        return new Threshold(threshold);
    }

    /** Factor-based parallel decoding. */
    static UnmaskPolicy factor(double factor) {
        return new Factor(factor);
    }

    /** Whether steps follow the fixed per-block schedule (else: repeat until the block is unmasked). */
    boolean followsSchedule();

    /**
     * How many of the best candidates to unmask.
     *
     * @param descending the candidates' confidences, sorted from highest to lowest (at least one)
     * @param scheduled  the fixed schedule's count for this step
     * @return a count in {@code 1..descending.length} (or {@code scheduled} for the fixed policy)
     */
    int count(double[] descending, int scheduled);

    /** The vanilla schedule. */
    enum Fixed implements UnmaskPolicy {
        /** The only instance. */
        INSTANCE;

        @Override
        public boolean followsSchedule() {
            return true;
        }

        @Override
        public int count(double[] descending, int scheduled) {
            return Math.min(scheduled, descending.length);
        }
    }

    /**
     * Unmask every candidate whose confidence is at least {@code threshold}, at least one.
     *
     * @param threshold in (0, 1]; 1.0 unmasks one position per step unless confidences are exactly 1
     */
    record Threshold(double threshold) implements UnmaskPolicy {
        public Threshold {
            if (!(threshold > 0 && threshold <= 1)) {
                throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
            }
        }

        @Override
        public boolean followsSchedule() {
            return false;
        }

        @Override
        public int count(double[] descending, int scheduled) {
            int n = 1;
            while (n < descending.length && descending[n] >= threshold) {
                n++;
            }
            return n;
        }
    }

    /**
     * Unmask the largest {@code n} such that {@code (n+1)(1 − c_(n)) < factor}, at least one.
     *
     * @param factor positive
     */
    record Factor(double factor) implements UnmaskPolicy {
        public Factor {
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("factor must be positive and finite, got " + factor);
            }
        }

        @Override
        public boolean followsSchedule() {
            return false;
        }

        @Override
        public int count(double[] descending, int scheduled) {
            // c_(n) is the n-th best confidence (1-based); (n+1)(1 − c_(n)) grows with n, so the
            // qualifying n form a prefix.
            int n = 1;
            while (n < descending.length && (n + 2) * (1 - descending[n]) < factor) {
                n++;
            }
            return n;
        }
    }
}
