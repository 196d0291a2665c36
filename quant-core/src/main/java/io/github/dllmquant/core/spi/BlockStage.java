package io.github.dllmquant.core.spi;

/**
 * Where one sequence's forward through a block stands just before a linear group runs: a resumable
 * forward. Sequential calibration (GPTQ's q/k/v → o → gate/up → down) keeps one stage per calibration
 * sequence and advances it once per group, after that group was quantized, instead of re-running the block
 * from its input for every group ({@link QuantizableBlock#beginStage}, {@link QuantizableBlock#advance}).
 *
 * <p>The arrays are held by reference and are never modified by the block: a stage may share its residual
 * with the caller's block input.
 *
 * @param next       the group that runs next, or {@code null} when the block is done
 * @param residual   {@code [tokens, hidden]} the residual stream at this point; the block output when done
 * @param groupInput {@code [tokens, in]} the input of {@code next}, exactly as {@link ActivationObserver}
 *                   would see it; {@code null} when done
 * @param tokens     sequence length
 */
public record BlockStage(GroupRole next, float[] residual, float[] groupInput, int tokens) {

    public BlockStage {
        if (residual == null) {
            throw new IllegalArgumentException("a block stage needs its residual stream");
        }
        if (tokens <= 0) {
            throw new IllegalArgumentException("tokens must be positive, got " + tokens);
        }
        if ((next == null) != (groupInput == null)) {
            throw new IllegalArgumentException("a group input is given exactly when a group runs next (next = "
                    + next + ", group input " + (groupInput == null ? "missing" : "present") + ")");
        }
    }

    /** Whether the block has run to its end ({@link #residual()} is the block output). */
    public boolean done() {
        return next == null;
    }

    /** Bytes of the arrays this stage holds (residual and group input), to budget kept stages. */
    public long bytes() {
        return 4L * residual.length + (groupInput == null ? 0 : 4L * groupInput.length);
    }
}
