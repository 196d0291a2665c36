package io.github.dllmquant.core.linalg;

/**
 * A Cholesky factorisation met a non-positive (or non-finite) pivot: the matrix is not numerically
 * positive definite. Thrown instead of silently producing NaN, so callers (GPTQ's damping loop) can
 * react.
 */
public final class NotPositiveDefiniteException extends ArithmeticException {

    private static final long serialVersionUID = 1L;

    private final int pivot;
    private final double value;

    /**
     * @param pivot the row/column where the factorisation failed
     * @param value the pivot value {@code a_jj − Σ l_jk²} that was not positive
     */
    public NotPositiveDefiniteException(int pivot, double value) {
        super("matrix is not positive definite: pivot " + pivot + " is " + value);
        this.pivot = pivot;
        this.value = value;
    }

    /** The row/column where the factorisation failed. */
    public int pivot() {
        return pivot;
    }

    /** The offending pivot value. */
    public double value() {
        return value;
    }
}
