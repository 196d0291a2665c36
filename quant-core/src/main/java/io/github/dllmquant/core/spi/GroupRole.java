package io.github.dllmquant.core.spi;

/**
 * A group of linears that share one input. Declaration order is the sequential quantization order
 * inside a block (q/k/v, then o, then gate/up, then down).
 */
public enum GroupRole {
    /** q, k and v: input is the attention-normed hidden state. */
    QKV,
    /** the attention output projection: input is the concatenated head outputs. */
    O,
    /** gate and up: input is the FFN-normed hidden state. */
    GATE_UP,
    /** the down projection: input is {@code silu(gate) ⊙ up}, where the massive outliers sit. */
    DOWN
}
