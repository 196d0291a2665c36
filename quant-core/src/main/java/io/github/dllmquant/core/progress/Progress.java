package io.github.dllmquant.core.progress;

/**
 * One progress update.
 *
 * @param stage what is being done, for example {@code "calibrate block 3/6: gptq q_proj"}
 * @param done  units finished so far, {@code 0 <= done <= total}
 * @param total units in the whole job (at least 1)
 */
public record Progress(String stage, long done, long total) {

    public Progress {
        if (stage == null) {
            throw new IllegalArgumentException("stage must not be null");
        }
        if (total < 1 || done < 0 || done > total) {
            throw new IllegalArgumentException("progress out of range: done=" + done + ", total=" + total);
        }
    }

    /** Fraction finished in [0, 1]. */
    public double fraction() {
        return (double) done / total;
    }
}
