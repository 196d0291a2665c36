package io.github.dllmquant.methods;

import java.util.List;

/**
 * What a method did to one block.
 *
 * @param block  block index
 * @param layers one entry per quantized linear
 * @param millis wall time spent on the block
 */
public record BlockReport(int block, List<LayerReport> layers, long millis) {

    public BlockReport {
        layers = List.copyOf(layers);
    }

    /**
     * One linear layer's outcome.
     *
     * @param name   checkpoint name of the layer
     * @param format the resulting {@link io.github.dllmquant.core.linear.Linear#format()}
     * @param loss   the method's own loss (GPTQ: {@code Σ (w − q)²/d²/2}; others: output MSE), or NaN
     * @param note   fallbacks or adjustments that fired (for example raised damping), or empty
     * @param millis wall time spent on this layer, or -1 when not measured
     */
    public record LayerReport(String name, String format, double loss, String note, long millis) {

        /** Without a time. */
        public LayerReport(String name, String format, double loss, String note) {
            this(name, format, loss, note, -1);
        }
    }
}
