package io.github.dllmquant.methods.synthetic;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.core.quant.WeightQuantizer;

import java.util.List;

/** The W·A round-to-nearest baseline of the tests: per-channel symmetric weights, per-token activations, no transform. */
public final class RtnWeightActivation implements QuantizationMethod {

    private final int weightBits;
    private final ActivationQuantizer activations;

    public RtnWeightActivation(int weightBits, ActivationQuantizer activations) {
        this.weightBits = weightBits;
        this.activations = activations;
    }

    @Override
    public String name() {
        return "rtn-wa";
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        for (LinearGroup g : block.groups()) {
            for (LinearRole role : g.members()) {
                Linear fp = block.linear(role);
                WeightQuantizer grid = new WeightQuantizer(weightBits, -1, true, WeightQuantizer.Grid.QUAROT, false);
                block.setLinear(role, ActivationQuantizedLinear.of(grid.quantize(fp.effectiveWeight(),
                        fp.outFeatures(), fp.inFeatures()), fp.bias(), activations, null));
            }
        }
        return new BlockReport(block.index(), List.of(), 0);
    }
}
