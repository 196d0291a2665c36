package io.github.dllmquant.methods.analysis;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.core.spi.QuantizableModel;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Measures activation outliers at the input of every linear group of every block, with the inputs
 * masked as a diffusion step would see them (each position replaced by the mask token with
 * probability {@code r}), because a dLLM's activations depend on the mask ratio.
 *
 * <p>The model is only read: its blocks run forward with an observer.
 */
public final class OutlierAnalysis {

    private OutlierAnalysis() {
    }

    /**
     * Statistics for one mask ratio.
     *
     * @param maskRatio the ratio the inputs were masked with
     * @param groups    one entry per (block, group), blocks in order, groups in sequential order
     */
    public record RatioReport(double maskRatio, List<GroupActivationStats> groups) {

        public RatioReport {
            groups = List.copyOf(groups);
        }

        /** The entry with the largest {@code max|x|}. */
        public GroupActivationStats strongest() {
            GroupActivationStats best = groups.getFirst();
            for (GroupActivationStats s : groups) {
                if (s.maxAbs() > best.maxAbs()) {
                    best = s;
                }
            }
            return best;
        }
    }

    /**
     * Runs the analysis.
     *
     * @param model      the model (only read)
     * @param windows    token id sequences (all of one length or not; each runs as one sequence)
     * @param maskRatios ratios in [0, 1)
     * @param seed       seed of the masking
     * @param progress   one unit per (ratio, window)
     * @return one report per ratio, in the given order
     */
    public static List<RatioReport> run(QuantizableModel model, List<int[]> windows, double[] maskRatios,
                                        long seed, ProgressListener progress) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("no windows to analyse");
        }
        int maskId = model.dims().maskTokenId();
        long total = (long) maskRatios.length * windows.size();
        long done = 0;
        List<RatioReport> reports = new ArrayList<>();
        for (double ratio : maskRatios) {
            if (!(ratio >= 0 && ratio < 1)) {
                throw new IllegalArgumentException("mask ratio must be in [0, 1), got " + ratio);
            }
            List<Map<GroupRole, GroupActivationStats>> perBlock = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(seed);
            for (int[] window : windows) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("outlier analysis interrupted");
                }
                int[] ids = mask(window, ratio, maskId, random);
                float[] x = model.embed(ids);
                for (int b = 0; b < model.blockCount(); b++) {
                    if (perBlock.size() <= b) {
                        perBlock.add(new EnumMap<>(GroupRole.class));
                    }
                    Map<GroupRole, GroupActivationStats> stats = perBlock.get(b);
                    QuantizableBlock block = model.block(b);
                    int blockIndex = b;
                    x = block.forward(x, ids.length, (group, input, tokens) ->
                            stats.computeIfAbsent(group, g -> new GroupActivationStats(blockIndex, g,
                                    input.length / tokens)).add(input, tokens));
                }
                progress.onProgress(new Progress(String.format("outliers: mask ratio %.2f", ratio), ++done, total));
            }
            List<GroupActivationStats> flat = new ArrayList<>();
            perBlock.forEach(m -> flat.addAll(m.values()));
            reports.add(new RatioReport(ratio, flat));
        }
        return reports;
    }

    /** Masks each position with probability {@code ratio} (at least one when ratio > 0). */
    static int[] mask(int[] window, double ratio, int maskId, SplittableRandom random) {
        int[] ids = window.clone();
        if (ratio == 0) {
            return ids;
        }
        boolean any = false;
        for (int i = 0; i < ids.length; i++) {
            if (random.nextDouble() < ratio) {
                ids[i] = maskId;
                any = true;
            }
        }
        if (!any) {
            ids[random.nextInt(ids.length)] = maskId;
        }
        return ids;
    }
}
