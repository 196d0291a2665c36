package io.github.dllmquant.methods.rtn;

import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.LinearGroup;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.QuantizationMethod;
import io.github.dllmquant.methods.QuantizedLinears;

import java.util.ArrayList;
import java.util.List;

/**
 * Round to nearest (ptq-methods.md §2): every group of every row on its own grid, no error compensation.
 * The baseline of every comparison, and the fallback of GPTQ when a Hessian cannot be factorised. With
 * activation bits the layers run per-token dynamic activation quantization on the integer kernels.
 */
public final class Rtn implements QuantizationMethod {

    private final WeightQuantizer weights;
    private final ActivationQuantizer activations;

    /**
     * @param weights     the grid
     * @param activations per-token activation quantization, or {@code null} for weight-only
     */
    public Rtn(WeightQuantizer weights, ActivationQuantizer activations) {
        if (weights == null) {
            throw new IllegalArgumentException("weights must not be null");
        }
        this.weights = weights;
        this.activations = activations;
    }

    /**
     * Quantizes {@code W [out, in]} group by group: {@code q = clamp(rint(w/s) + z, 0, maxq)}.
     *
     * @throws IllegalArgumentException if the group size does not divide {@code in}
     */
    public static QuantizedWeight quantize(float[] W, int out, int in, WeightQuantizer weights) {
        return weights.quantize(W, out, in);
    }

    @Override
    public String name() {
        return "rtn";
    }

    @Override
    public BlockReport quantizeBlock(QuantizableBlock block, List<float[]> inputs, int tokens, ProgressListener progress) {
        long start = System.nanoTime();
        List<BlockReport.LayerReport> layers = new ArrayList<>();
        int total = 0;
        for (LinearGroup group : block.groups()) {
            total += group.members().size();
        }
        int done = 0;
        for (LinearGroup group : block.groups()) {
            for (LinearRole role : group.members()) {
                progress.onProgress(new Progress("rtn " + block.name(role), done, total));
                long t0 = System.nanoTime();
                Linear linear = block.linear(role);
                QuantizedWeight q = quantize(linear.effectiveWeight(), linear.outFeatures(), linear.inFeatures(), weights);
                Linear quantized = QuantizedLinears.of(q, linear.bias(), activations, null);
                block.setLinear(role, quantized);
                layers.add(new BlockReport.LayerReport(block.name(role), quantized.format(), Double.NaN, "",
                        (System.nanoTime() - t0) / 1_000_000));
                done++;
            }
        }
        progress.onProgress(new Progress("rtn done", total, total));
        return new BlockReport(block.index(), layers, (System.nanoTime() - start) / 1_000_000);
    }
}
