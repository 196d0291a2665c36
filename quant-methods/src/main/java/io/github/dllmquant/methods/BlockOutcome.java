package io.github.dllmquant.methods;

import java.util.List;

/**
 * A block's quantization report, with the block's outputs on the calibration inputs when the method already
 * computed them with the final (quantized) layers on its way, so the {@link Calibrator} need not run the
 * block once more (GPTQ's resumable sequential forward ends with them).
 *
 * @param report  what was done
 * @param outputs one {@code [tokens, hidden]} output per calibration input, in input order, or {@code null}
 *                when the method did not compute them
 */
public record BlockOutcome(BlockReport report, List<float[]> outputs) {

    public BlockOutcome {
        if (report == null) {
            throw new IllegalArgumentException("report must not be null");
        }
        outputs = outputs == null ? null : List.copyOf(outputs);
    }
}
