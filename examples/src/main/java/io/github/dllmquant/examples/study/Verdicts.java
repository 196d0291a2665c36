package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.examples.study.Finding.Verdict;
import io.github.dllmquant.methods.analysis.GroupActivationStats;
import io.github.dllmquant.methods.analysis.OutlierAnalysis.RatioReport;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Computes the verdicts on findings F1–F7 of "Quantization Meets dLLMs" from the study's numbers.
 * Each rule is stated in the output next to its verdict, so a reader can check it.
 *
 * <p>"Quality" of a cell is its mean masked NLL over the mask ratios (general) plus exact match on the
 * math and code families; accuracies differ "clearly" only when their 95% Wilson intervals do not
 * overlap.
 */
public final class Verdicts {

    /** Relative NLL increase under which a scheme counts as near lossless. */
    static final double LOSSLESS = 0.02;
    /** The paper's bound for a good W4 weight-only result ("drops under ~4%"). */
    static final double W4_BOUND = 0.04;
    /** Relative NLL increase from which a scheme counts as hard. */
    static final double HARD = 0.10;

    private final List<StudyCell> cells;
    private final StudyCell fp;

    private Verdicts(List<StudyCell> cells) {
        this.cells = List.copyOf(cells);
        this.fp = find("fp", "fp", null).orElseThrow(() -> new IllegalArgumentException("the study has no fp cell"));
    }

    /**
     * @param cells          every cell measured (must include the fp cell)
     * @param outliers       the outlier report per mask ratio, or an empty list when not measured
     * @param instructCells  the same grid measured on the instruct twin of the model (F7), or an empty list
     */
    public static List<Finding> compute(List<StudyCell> cells, List<RatioReport> outliers,
                                        List<StudyCell> instructCells) {
        Verdicts v = new Verdicts(cells);
        List<Finding> findings = new ArrayList<>();
        findings.add(v.f1(outliers));
        findings.add(v.f2());
        findings.add(v.f3());
        findings.add(v.f4());
        findings.add(v.f5());
        findings.add(v.f6());
        findings.add(v.f7(instructCells));
        return findings;
    }

    private Finding f1(List<RatioReport> outliers) {
        String claim = "dLLMs have activation outliers; the massive ones sit at the input of the FFN down projection";
        String rule = "holds when, at every mask ratio, the down projection's input has the largest max|x| in most blocks "
                + "and its strongest channel is >= 10x the median channel; does not hold when that is so at no ratio";
        if (outliers.isEmpty()) {
            return new Finding("F1", claim, rule, Verdict.NOT_TESTABLE, "no outlier report");
        }
        int ratiosHolding = 0;
        StringBuilder evidence = new StringBuilder();
        for (RatioReport report : outliers) {
            int blocks = 0;
            int downStrongest = 0;
            double downRatio = 0;
            List<GroupActivationStats> groups = report.groups();
            int maxBlock = groups.stream().mapToInt(GroupActivationStats::block).max().orElse(-1);
            for (int b = 0; b <= maxBlock; b++) {
                int block = b;
                List<GroupActivationStats> inBlock = groups.stream().filter(s -> s.block() == block).toList();
                if (inBlock.isEmpty()) {
                    continue;
                }
                blocks++;
                GroupActivationStats strongest = inBlock.stream()
                        .max((x, y) -> Float.compare(x.maxAbs(), y.maxAbs())).orElseThrow();
                if (strongest.group() == GroupRole.DOWN) {
                    downStrongest++;
                }
                for (GroupActivationStats s : inBlock) {
                    if (s.group() == GroupRole.DOWN) {
                        downRatio = Math.max(downRatio, s.channelOutlierRatio());
                    }
                }
            }
            boolean holds = 2 * downStrongest > blocks && downRatio >= 10;
            if (holds) {
                ratiosHolding++;
            }
            evidence.append(String.format("r=%.2f: down strongest in %d/%d blocks, max channel/median %.1fx; ",
                    report.maskRatio(), downStrongest, blocks, downRatio));
        }
        Verdict verdict = ratiosHolding == outliers.size() ? Verdict.HOLDS
                : ratiosHolding == 0 ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Finding("F1", claim, rule, verdict, evidence.toString().trim());
    }

    private Finding f2() {
        String claim = "4-bit is the sweet spot for weight-only PTQ; 3-bit degrades clearly";
        String rule = "for GPTQ and AWQ: holds when W4 raises mean NLL by <= 4% and W3 by at least max(2x W4's rise, W4's + 2 points); "
                + "does not hold when W4 rises > 4% or W3 is within 0.5 points of W4 for either method";
        StringBuilder evidence = new StringBuilder();
        boolean all = true;
        boolean refuted = false;
        boolean any = false;
        for (String m : List.of("gptq", "awq")) {
            Optional<StudyCell> w4 = find(m, "w4a16", "none");
            Optional<StudyCell> w3 = find(m, "w3a16", "none");
            if (w4.isEmpty() || w3.isEmpty()) {
                all = false;
                continue;
            }
            any = true;
            double d4 = w4.get().nllIncreaseOver(fp);
            double d3 = w3.get().nllIncreaseOver(fp);
            evidence.append(String.format("%s: W4 %+.1f%%, W3 %+.1f%%; ", m, 100 * d4, 100 * d3));
            boolean ok = d4 <= W4_BOUND && d3 >= Math.max(2 * d4, d4 + 0.02);
            all &= ok;
            refuted |= d4 > W4_BOUND || d3 <= d4 + 0.005;
        }
        return new Finding("F2", claim, rule, !any ? Verdict.NOT_TESTABLE
                : all ? Verdict.HOLDS : refuted ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE, evidence.toString().trim());
    }

    private Finding f3() {
        String claim = "GPTQ beats AWQ in weight-only PTQ";
        String rule = "at W4 and W3: GPTQ wins a bit-width when its mean NLL is lower and neither its math nor code accuracy is "
                + "clearly (non-overlapping 95% intervals) below AWQ's; AWQ wins when the reverse holds; "
                + "holds when GPTQ wins both, does not hold when AWQ wins either";
        StringBuilder evidence = new StringBuilder();
        int gptqWins = 0;
        int awqWins = 0;
        int compared = 0;
        for (String scheme : List.of("w4a16", "w3a16")) {
            Optional<StudyCell> g = find("gptq", scheme, "none");
            Optional<StudyCell> a = find("awq", scheme, "none");
            if (g.isEmpty() || a.isEmpty()) {
                continue;
            }
            compared++;
            StudyCell gc = g.get();
            StudyCell ac = a.get();
            boolean gBetter = gc.meanNll() < ac.meanNll() && !ac.math().clearlyAbove(gc.math())
                    && !ac.code().clearlyAbove(gc.code());
            boolean aBetter = ac.meanNll() < gc.meanNll() && !gc.math().clearlyAbove(ac.math())
                    && !gc.code().clearlyAbove(ac.code());
            gptqWins += gBetter ? 1 : 0;
            awqWins += aBetter ? 1 : 0;
            evidence.append(String.format("%s: NLL gptq %.4f vs awq %.4f, math %s vs %s, code %s vs %s; ", scheme,
                    gc.meanNll(), ac.meanNll(), gc.math(), ac.math(), gc.code(), ac.code()));
        }
        Verdict verdict = compared == 0 ? Verdict.NOT_TESTABLE
                : gptqWins == compared ? Verdict.HOLDS : awqWins > 0 ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Finding("F3", claim, rule, verdict, evidence.toString().trim());
    }

    private Finding f4() {
        String claim = "W8A8 is near lossless; W4A4 is hard";
        String rule = "holds when every W8A8 method raises mean NLL by <= 2% with no clear accuracy drop and every W4A4 method raises "
                + "it by >= 10% or clearly drops math or code accuracy; does not hold when no W8A8 method is near lossless "
                + "or some W4A4 method is";
        List<StudyCell> w8 = withScheme("w8a8");
        List<StudyCell> w4 = withScheme("w4a4");
        if (w8.isEmpty() || w4.isEmpty()) {
            return new Finding("F4", claim, rule, Verdict.NOT_TESTABLE, "W8A8 or W4A4 cells missing");
        }
        StringBuilder evidence = new StringBuilder();
        int w8Lossless = 0;
        for (StudyCell c : w8) {
            boolean lossless = c.nllIncreaseOver(fp) <= LOSSLESS && !fp.math().clearlyAbove(c.math())
                    && !fp.code().clearlyAbove(c.code());
            w8Lossless += lossless ? 1 : 0;
            evidence.append(String.format("%s W8A8 %+.1f%%; ", c.method(), 100 * c.nllIncreaseOver(fp)));
        }
        int w4Hard = 0;
        int w4Lossless = 0;
        for (StudyCell c : w4) {
            double d = c.nllIncreaseOver(fp);
            boolean hard = d >= HARD || fp.math().clearlyAbove(c.math()) || fp.code().clearlyAbove(c.code());
            w4Hard += hard ? 1 : 0;
            w4Lossless += d <= LOSSLESS ? 1 : 0;
            evidence.append(String.format("%s W4A4 %+.1f%%; ", c.method(), 100 * d));
        }
        Verdict verdict = w8Lossless == w8.size() && w4Hard == w4.size() ? Verdict.HOLDS
                : w8Lossless == 0 || w4Lossless > 0 ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Finding("F4", claim, rule, verdict, evidence.toString().trim());
    }

    private Finding f5() {
        String claim = "rotation methods beat SmoothQuant: DuQuant > QuaRot > SmoothQuant";
        String rule = "at W4A4 by mean NLL: holds when DuQuant <= QuaRot < SmoothQuant; does not hold when SmoothQuant is below "
                + "either rotation method or QuaRot is below DuQuant by more than 1%; inconclusive otherwise";
        Optional<StudyCell> du = find("duquant", "w4a4", null);
        Optional<StudyCell> qr = find("quarot", "w4a4", null);
        Optional<StudyCell> sq = find("smoothquant", "w4a4", null);
        if (du.isEmpty() || qr.isEmpty() || sq.isEmpty()) {
            return new Finding("F5", claim, rule, Verdict.NOT_TESTABLE, "W4A4 cells missing");
        }
        double d = du.get().meanNll();
        double q = qr.get().meanNll();
        double s = sq.get().meanNll();
        String evidence = String.format("W4A4 mean NLL: duquant %.4f, quarot %.4f, smoothquant %.4f (fp %.4f)", d, q, s,
                fp.meanNll());
        Verdict verdict = d <= q && q < s ? Verdict.HOLDS
                : s < d || s < q || q < d * 0.99 ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Finding("F5", claim, rule, verdict, evidence);
    }

    private Finding f6() {
        String claim = "math and code degrade more than general tasks";
        String rule = "over the quantized cells whose mean NLL rose by more than 1%: compare the relative accuracy drop "
                + "((fp - q)/fp, math and code averaged) with the relative NLL rise; holds when the accuracy drop is larger "
                + "in at least 2/3 of them, does not hold when in at most 1/3";
        int degraded = 0;
        int larger = 0;
        for (StudyCell c : cells) {
            if (c == fp || c.method().contains("+")) {
                continue;
            }
            double nllRise = c.nllIncreaseOver(fp);
            if (nllRise <= 0.01) {
                continue;
            }
            degraded++;
            double drop = 0.5 * (relativeDrop(fp.math(), c.math()) + relativeDrop(fp.code(), c.code()));
            larger += drop > nllRise ? 1 : 0;
        }
        if (degraded == 0) {
            return new Finding("F6", claim, rule, Verdict.INCONCLUSIVE, "no cell degraded by more than 1% in NLL");
        }
        String evidence = String.format("accuracy drop exceeds NLL rise in %d of %d degraded cells", larger, degraded);
        Verdict verdict = 3 * larger >= 2 * degraded ? Verdict.HOLDS
                : 3 * larger <= degraded ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Finding("F6", claim, rule, verdict, evidence);
    }

    private Finding f7(List<StudyCell> instructCells) {
        String claim = "instruct models are more robust than base models";
        String rule = "needs the instruct twin measured on the same grid: over the cells both have, holds when the instruct "
                + "model's relative NLL rise is smaller in at least 2/3 of them, does not hold when in at most 1/3";
        if (instructCells.isEmpty()) {
            return new Finding("F7", claim, rule, Verdict.NOT_TESTABLE,
                    "no base/instruct pair: pass a second model folder to test it");
        }
        Verdicts instruct = new Verdicts(instructCells);
        int compared = 0;
        int instructBetter = 0;
        for (StudyCell c : cells) {
            if (c == fp) {
                continue;
            }
            Optional<StudyCell> twin = instruct.find(c.method(), c.scheme(), c.calibration());
            if (twin.isEmpty()) {
                continue;
            }
            compared++;
            instructBetter += twin.get().nllIncreaseOver(instruct.fp) < c.nllIncreaseOver(fp) ? 1 : 0;
        }
        if (compared == 0) {
            return new Finding("F7", claim, rule, Verdict.NOT_TESTABLE, "the two grids share no quantized cell");
        }
        String evidence = String.format("instruct degrades less in %d of %d cells", instructBetter, compared);
        Verdict verdict = 3 * instructBetter >= 2 * compared ? Verdict.HOLDS
                : 3 * instructBetter <= compared ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Finding("F7", claim, rule, verdict, evidence);
    }

    private static double relativeDrop(Proportion fp, Proportion q) {
        return fp.rate() == 0 ? 0 : (fp.rate() - q.rate()) / fp.rate();
    }

    private List<StudyCell> withScheme(String scheme) {
        return cells.stream().filter(c -> c.scheme().equals(scheme) && !c.method().contains("+")).toList();
    }

    private Optional<StudyCell> find(String method, String scheme, String calibration) {
        return cells.stream()
                .filter(c -> c.method().equals(method) && c.scheme().equals(scheme)
                        && (calibration == null || c.calibration().equals(calibration)))
                .findFirst();
    }
}
