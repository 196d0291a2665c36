package io.github.dllmquant.examples.study;

import io.github.dllmquant.examples.study.Finding.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VerdictsTest {

    private static StudyCell cell(String method, String scheme, String calib, double nll, int math, int code) {
        return new StudyCell(method, scheme, calib, new double[] {nll, nll, nll}, new Proportion(math, 500),
                new Proportion(code, 500), 1000, 1, 100);
    }

    private static List<StudyCell> paperLikeGrid() {
        List<StudyCell> cells = new ArrayList<>();
        cells.add(cell("fp", "fp", "-", 4.000, 70, 215));
        cells.add(cell("gptq", "w4a16", "none", 4.080, 66, 205));   // +2%
        cells.add(cell("gptq", "w3a16", "none", 4.400, 40, 150));   // +10%
        cells.add(cell("awq", "w4a16", "none", 4.120, 64, 200));    // +3%
        cells.add(cell("awq", "w3a16", "none", 4.600, 35, 140));    // +15%
        for (String m : List.of("rtn", "smoothquant", "quarot", "duquant")) {
            cells.add(cell(m, "w8a8", "none", 4.020, 69, 213));      // +0.5%
        }
        cells.add(cell("rtn", "w4a4", "none", 6.0, 5, 20));
        cells.add(cell("smoothquant", "w4a4", "none", 5.6, 8, 30));
        cells.add(cell("quarot", "w4a4", "none", 4.8, 30, 120));
        cells.add(cell("duquant", "w4a4", "none", 4.6, 35, 130));
        return cells;
    }

    @Test
    void paperLikeNumbersConfirmF2ToF6() {
        List<Finding> findings = Verdicts.compute(paperLikeGrid(), List.of(), List.of());
        assertThat(findings).extracting(Finding::id).containsExactly("F1", "F2", "F3", "F4", "F5", "F6", "F7");
        assertThat(findings).extracting(Finding::verdict).containsExactly(Verdict.NOT_TESTABLE, Verdict.HOLDS,
                Verdict.HOLDS, Verdict.HOLDS, Verdict.HOLDS, Verdict.HOLDS, Verdict.NOT_TESTABLE);
        assertThat(findings.get(2).evidence()).contains("w4a16: NLL gptq 4.0800 vs awq 4.1200");
    }

    @Test
    void reversedRankingsRefuteF3AndF5() {
        List<StudyCell> cells = new ArrayList<>(paperLikeGrid());
        cells.replaceAll(c -> switch (c.label()) {
            case "awq w4a16 (none)" -> cell("awq", "w4a16", "none", 4.04, 68, 210);
            case "smoothquant w4a4 (none)" -> cell("smoothquant", "w4a4", "none", 4.5, 40, 140);
            default -> c;
        });
        List<Finding> findings = Verdicts.compute(cells, List.of(), List.of());
        assertThat(findings.get(2).verdict()).isEqualTo(Verdict.DOES_NOT_HOLD);
        assertThat(findings.get(4).verdict()).isEqualTo(Verdict.DOES_NOT_HOLD);
    }

    @Test
    void lossyW8a8RefutesF4() {
        List<StudyCell> cells = new ArrayList<>(paperLikeGrid());
        cells.replaceAll(c -> c.scheme().equals("w8a8") ? cell(c.method(), "w8a8", "none", 4.4, 40, 150) : c);
        assertThat(Verdicts.compute(cells, List.of(), List.of()).get(3).verdict()).isEqualTo(Verdict.DOES_NOT_HOLD);
    }

    @Test
    void f7ComparesTheInstructTwinCellByCell() {
        List<StudyCell> instruct = new ArrayList<>();
        for (StudyCell c : paperLikeGrid()) {
            // the twin degrades half as much in NLL
            double nll = c.method().equals("fp") ? 4.0 : 4.0 + (c.meanNll() - 4.0) / 2;
            instruct.add(cell(c.method(), c.scheme(), c.calibration(), nll, c.math().correct(), c.code().correct()));
        }
        Finding f7 = Verdicts.compute(paperLikeGrid(), List.of(), instruct).get(6);
        assertThat(f7.verdict()).isEqualTo(Verdict.HOLDS);
        assertThat(f7.evidence()).isEqualTo("instruct degrades less in 12 of 12 cells");
    }
}
