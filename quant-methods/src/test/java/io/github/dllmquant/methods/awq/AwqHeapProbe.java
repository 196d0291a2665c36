package io.github.dllmquant.methods.awq;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.BlockStage;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.synthetic.ForwardingBlock;
import io.github.dllmquant.methods.synthetic.SyntheticModel;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Not a test: {@code main} quantizes one synthetic block (hidden 512, intermediate 2048, 64 x 128 tokens) with AWQ
 * and prints the live heap (after a full GC) above the block's inputs at the first sub-layer call of each group's
 * scale search and at the first stage advance past each group, where AWQ holds the most group inputs. Run with {@code -XX:+UseSerialGC} on the test classpath.
 */
public final class AwqHeapProbe {

    public static void main(String[] args) {
        int hidden = 512, heads = 8, ff = 2048, windows = 64, tokens = 128;
        SyntheticModel m = SyntheticModel.withNormGainOutliers(hidden, heads, heads, ff, 64, 1, true, 42);
        List<float[]> inputs = new ArrayList<>();
        for (int[] ids : SyntheticModel.sequences(windows, tokens, 64, 11)) {
            inputs.add(m.embed(ids));
        }
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        System.gc();
        long base = mx.getHeapMemoryUsage().getUsed();
        Map<String, Long> live = new LinkedHashMap<>();
        QuantizableBlock probe = new Probe(m.block(0), live, mx);
        WeightQuantizer grid = new WeightQuantizer(4, 128, false, WeightQuantizer.Grid.AWQ, false);
        new Awq(grid, null, 2, true).quantizeBlock(probe, inputs, tokens, ProgressListener.NONE);
        long peak = 0;
        for (Map.Entry<String, Long> e : live.entrySet()) {
            long mb = (e.getValue() - base) >> 20;
            peak = Math.max(peak, mb);
            System.out.printf("%-24s live above the inputs: %4d MB%n", e.getKey(), mb);
        }
        System.out.printf("peak %d MB (%d tokens, hidden %d, intermediate %d)%n", peak, windows * tokens, hidden, ff);
    }

    /** Delegates; measures the live heap at the first {@link #subLayerForward} of each group. */
    private static final class Probe extends ForwardingBlock {
        private final Map<String, Long> live;
        private final MemoryMXBean mx;

        Probe(QuantizableBlock inner, Map<String, Long> live, MemoryMXBean mx) {
            super(inner);
            this.live = live;
            this.mx = mx;
        }

        @Override
        public float[] subLayerForward(GroupRole role, float[] groupInput, int tokens) {
            measure(role + " scale search");
            return inner.subLayerForward(role, groupInput, tokens);
        }

        @Override
        public BlockStage advance(BlockStage stage) {
            measure("advance past " + stage.next());
            return inner.advance(stage);
        }

        private void measure(String at) {
            if (!live.containsKey(at)) {
                System.gc();
                live.put(at, mx.getHeapMemoryUsage().getUsed());
            }
        }
    }
}
