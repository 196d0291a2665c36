package io.github.dllmquant.runtime.model;

/**
 * One layer's keys (after RoPE) and values of every position of a sequence, as an approximate KV cache
 * keeps them: per key/value head, transposed to {@code (headDim, L)} (the layout {@link Attention} reads).
 *
 * @param keys   {@code [kvHeads][headDim·L]}
 * @param values {@code [kvHeads][headDim·L]}
 */
record LayerKv(float[][] keys, float[][] values) {

    /** Receives a layer's K/V during a full forward. */
    @FunctionalInterface
    interface Sink {
        void accept(LayerKv kv);
    }
}
