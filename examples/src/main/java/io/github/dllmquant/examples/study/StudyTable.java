package io.github.dllmquant.examples.study;

import java.util.List;
import java.util.Locale;

/**
 * Renders the study's cells and verdicts as Markdown.
 */
public final class StudyTable {

    private StudyTable() {
    }

    /**
     * The grid as a Markdown table, one row per cell, with the relative NLL change against the fp row.
     *
     * @param cells      the cells, fp first
     * @param maskRatios the ratios the NLL columns were measured at
     */
    public static String markdown(List<StudyCell> cells, double[] maskRatios) {
        StudyCell fp = cells.stream().filter(c -> c.method().equals("fp")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the study has no fp cell"));
        StringBuilder md = new StringBuilder("| method | scheme | calibration |");
        for (double r : maskRatios) {
            md.append(String.format(Locale.ROOT, " NLL r=%.2f |", r));
        }
        md.append(" ΔNLL | math EM [95% CI] | code EM [95% CI] | MB | quant s | tok/s |\n|---|---|---|");
        md.append("---:|".repeat(maskRatios.length)).append("---:|---|---|---:|---:|---:|\n");
        for (StudyCell c : cells) {
            md.append("| ").append(c.method()).append(" | ").append(c.scheme()).append(" | ").append(c.calibration()).append(" |");
            for (double v : c.nll()) {
                md.append(String.format(Locale.ROOT, " %.3f |", v));
            }
            md.append(c == fp ? " — |" : String.format(Locale.ROOT, " %+.1f%% |", 100 * c.nllIncreaseOver(fp)));
            md.append(' ').append(c.math()).append(" | ").append(c.code()).append(" |");
            md.append(String.format(Locale.ROOT, " %.2f | %.1f | %.1f |%n", c.bytes() / 1e6, c.quantSeconds(),
                    c.tokensPerSecond()));
        }
        return md.toString();
    }

    /** The findings as a Markdown list with rule, verdict and evidence. */
    public static String findings(List<Finding> findings) {
        StringBuilder md = new StringBuilder();
        for (Finding f : findings) {
            md.append("- **").append(f.id()).append("** ").append(f.claim()).append(": **").append(f.verdict())
                    .append("**  \n  rule: ").append(f.rule()).append("  \n  numbers: ").append(f.evidence()).append('\n');
        }
        return md.toString();
    }
}
