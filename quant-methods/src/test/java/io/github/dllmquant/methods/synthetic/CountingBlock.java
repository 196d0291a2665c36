package io.github.dllmquant.methods.synthetic;

import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.QuantizableBlock;

/** Delegates to a block and counts its full forwards and stage advances (tests of the resumable calibration). */
public final class CountingBlock extends ForwardingBlock {
    /** Calls of {@link #forward}. */
    public int forwards;
    /** Calls of {@link #advance}. */
    public int advances;

    public CountingBlock(QuantizableBlock inner) {
        super(inner);
    }

    @Override
    public float[] forward(float[] x, int tokens, ActivationObserver observer) {
        forwards++;
        return inner.forward(x, tokens, observer);
    }

    @Override
    public BlockStage advance(BlockStage stage) {
        advances++;
        return inner.advance(stage);
    }
}
