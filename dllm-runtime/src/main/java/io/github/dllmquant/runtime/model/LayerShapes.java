package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.runtime.config.ModelConfig;

/** In/out features and biases of each block linear, derived from a config. */
final class LayerShapes {

    private LayerShapes() {
    }

    /** Width of the concatenated query heads, {@code heads·headDim}. */
    static int qDim(ModelConfig c) {
        return c.heads() * c.headDim();
    }

    /** Output features of a block linear. */
    static int out(ModelConfig c, LinearRole role) {
        return switch (role) {
            case Q -> qDim(c);
            case K, V -> c.kvDim();
            case O, DOWN -> c.hidden();
            case GATE, UP -> c.intermediate();
        };
    }

    /** Input features of a block linear. */
    static int in(ModelConfig c, LinearRole role) {
        return switch (role) {
            case Q, K, V, GATE, UP -> c.hidden();
            case O -> qDim(c);
            case DOWN -> c.intermediate();
        };
    }

    /** Whether a block linear carries a bias (q/k/v when the config says so). */
    static boolean hasBias(ModelConfig c, LinearRole role) {
        return c.qkvBias() && (role == LinearRole.Q || role == LinearRole.K || role == LinearRole.V);
    }
}
