package io.github.dllmquant.methods;

/**
 * Quantization could not proceed: non-finite calibration activations, a layer whose shape the scheme
 * cannot handle, an interrupted run. Messages name the block and layer.
 */
public class QuantizationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** With a message naming the block/layer and the problem. */
    public QuantizationException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public QuantizationException(String message, Throwable cause) {
        super(message, cause);
    }
}
