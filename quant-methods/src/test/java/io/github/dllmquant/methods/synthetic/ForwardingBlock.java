package io.github.dllmquant.methods.synthetic;

import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.spi.QuantizableBlock;

import java.util.List;

/** A block that delegates every call to another; tests override the calls they count or observe. */
public abstract class ForwardingBlock implements QuantizableBlock {
    protected final QuantizableBlock inner;

    protected ForwardingBlock(QuantizableBlock inner) {
        this.inner = inner;
    }

    @Override
    public int index() {
        return inner.index();
    }

    @Override
    public List<LinearGroup> groups() {
        return inner.groups();
    }

    @Override
    public Linear linear(LinearRole role) {
        return inner.linear(role);
    }

    @Override
    public void setLinear(LinearRole role, Linear linear) {
        inner.setLinear(role, linear);
    }

    @Override
    public String name(LinearRole role) {
        return inner.name(role);
    }

    @Override
    public float[] normWeight(NormRole role) {
        return inner.normWeight(role);
    }

    @Override
    public void setNormWeight(NormRole role, float[] weight) {
        inner.setNormWeight(role, weight);
    }

    @Override
    public float[] forward(float[] x, int tokens, ActivationObserver observer) {
        return inner.forward(x, tokens, observer);
    }

    @Override
    public float[] subLayerForward(GroupRole role, float[] groupInput, int tokens) {
        return inner.subLayerForward(role, groupInput, tokens);
    }

    @Override
    public BlockStage beginStage(float[] x, int tokens) {
        return inner.beginStage(x, tokens);
    }

    @Override
    public BlockStage advance(BlockStage stage) {
        return inner.advance(stage);
    }
}
