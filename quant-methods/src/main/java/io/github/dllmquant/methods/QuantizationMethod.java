package io.github.dllmquant.methods;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.core.spi.QuantizableModel;

import java.util.List;

/**
 * A post-training quantization method (RTN, GPTQ, AWQ, SmoothQuant, QuaRot, DuQuant), driven block by
 * block by the calibrator: the calibrator captures each block's inputs on the calibration set, hands
 * them to {@link #quantizeBlock}, then recomputes the block's outputs to feed the next block.
 *
 * <p>Implementations are configured once (immutable settings) and hold no per-model state between
 * calls except what {@link #prepareModel} sets up for the same model.
 */
public interface QuantizationMethod {

    /** Short name, for example {@code "gptq"}. */
    String name();

    /**
     * Model-wide work before calibration starts (QuaRot fuses norms and rotates the residual stream
     * here). The default does nothing.
     */
    default void prepareModel(QuantizableModel model, ProgressListener progress) {
    }

    /**
     * Quantizes one block in place, replacing its linears (and norm gains where the method absorbs
     * scales).
     *
     * @param block    the block, with full-precision linears on entry
     * @param inputs   the block's inputs, one {@code [tokens, hidden]} array per calibration sequence;
     *                 not modified
     * @param tokens   tokens per sequence
     * @param progress reports stages inside the block
     * @return what was done, for logs and reports
     */
    BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress);

    /**
     * {@link #quantizeBlock}, also returning the block's outputs on {@code inputs} when the method computed
     * them with the final layers on its way. The default returns no outputs (the calibrator then runs the
     * block).
     */
    default BlockOutcome quantizeBlockWithOutputs(QuantizableBlock block, List<float[]> inputs, int tokens,
                                                  ProgressListener progress) {
        return new BlockOutcome(quantizeBlock(block, inputs, tokens, progress), null);
    }

    /**
     * Whether the next block calibrates on this block's quantized outputs (GPTQ: errors propagate) or on
     * its full-precision outputs (AWQ).
     */
    default boolean propagatesQuantizedOutputs() {
        return true;
    }
}
