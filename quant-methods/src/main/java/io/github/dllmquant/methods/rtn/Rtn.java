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
import io.github.dllmquant.methods.WeightGrid;

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
        if (W.length != (long) out * in) {
            throw new IllegalArgumentException("weight has " + W.length + " values, expected out*in = " + out + "*" + in);
        }
        int g = weights.effectiveGroupSize(in);
        if (in % g != 0) {
            throw new IllegalArgumentException("group size " + g + " does not divide in = " + in);
        }
        int groups = in / g;
        int maxq = WeightGrid.maxq(weights.bits());
        byte[] codes = new byte[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int r = 0; r < out; r++) {
            for (int k = 0; k < groups; k++) {
                int off = r * in + k * g;
                WeightGrid.Params p = WeightGrid.find(W, off, g, weights);
                scales[r * groups + k] = p.scale();
                zeros[r * groups + k] = p.zero();
                for (int c = 0; c < g; c++) {
                    codes[off + c] = (byte) WeightGrid.code(W[off + c], p.scale(), p.zero(), maxq);
                }
            }
        }
        return new QuantizedWeight(out, in, weights.bits(), g, weights.symmetric(), codes, scales, zeros);
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
