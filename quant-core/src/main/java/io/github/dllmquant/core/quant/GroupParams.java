package io.github.dllmquant.core.quant;

/**
 * Scale and zero point of one group of columns for each of {@code out} rows.
 *
 * @param scales {@code [out]} scale per row
 * @param zeros  {@code [out]} integer zero point per row, held as a float
 */
public record GroupParams(float[] scales, float[] zeros) {

    /** Checks the lengths agree. */
    public GroupParams {
        if (scales.length != zeros.length) {
            throw new IllegalArgumentException("scales has " + scales.length + " rows, zeros " + zeros.length);
        }
    }

    /** Number of rows. */
    public int rows() {
        return scales.length;
    }

    /** The scale of row {@code o}. */
    public float scale(int o) {
        return scales[o];
    }

    /** The zero point of row {@code o}. */
    public float zero(int o) {
        return zeros[o];
    }
}
