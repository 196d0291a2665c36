package io.github.dllmquant.methods;

/** Checks on calibration activations. */
public final class Activations {

    private Activations() {
    }

    /**
     * Throws if {@code x[0 .. tokens·width)} holds NaN or infinity.
     *
     * @param where names the place, for example {@code "block 3 input"} or {@code "block 3 down_proj input"}
     */
    public static void requireFinite(float[] x, int tokens, int width, String where) {
        int n = tokens * width;
        for (int k = 0; k < n; k++) {
            if (!Float.isFinite(x[k])) {
                throw new QuantizationException("non-finite calibration activation in " + where + ": token "
                        + k / width + ", channel " + k % width + " is " + x[k]);
            }
        }
    }
}
