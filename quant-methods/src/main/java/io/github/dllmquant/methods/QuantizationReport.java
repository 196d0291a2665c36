package io.github.dllmquant.methods;

import java.util.List;

/**
 * What a whole quantization run did: the method, the per-block (and per-layer) reports and the time.
 *
 * @param method  the method's name
 * @param recipe  the recipe's description, or the method name when run without a recipe
 * @param windows calibration windows used
 * @param tokens  tokens per window
 * @param blocks  one report per block, in order
 * @param millis  wall time of the whole run (embedding, calibration, quantization, recomputation)
 */
public record QuantizationReport(String method, String recipe, int windows, int tokens, List<BlockReport> blocks,
                                 long millis) {

    public QuantizationReport {
        blocks = List.copyOf(blocks);
    }

    /** Sum of the layers' own losses (NaN entries skipped). */
    public double totalLoss() {
        double s = 0;
        for (BlockReport b : blocks) {
            for (BlockReport.LayerReport l : b.layers()) {
                if (!Double.isNaN(l.loss())) {
                    s += l.loss();
                }
            }
        }
        return s;
    }

    /** Layers whose report carries a note (fallbacks, raised damping). */
    public List<BlockReport.LayerReport> notes() {
        return blocks.stream().flatMap(b -> b.layers().stream()).filter(l -> !l.note().isEmpty()).toList();
    }

    /** A one-line summary. */
    public String summary() {
        return recipe + ": " + blocks.size() + " blocks, " + windows + " x " + tokens + " calibration tokens, "
                + String.format("%.1f s", millis / 1000.0) + (notes().isEmpty() ? "" : ", " + notes().size() + " layer notes");
    }
}
