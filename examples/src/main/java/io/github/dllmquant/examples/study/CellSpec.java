package io.github.dllmquant.examples.study;

import io.github.dllmquant.methods.Calibration;

import java.util.ArrayList;
import java.util.List;

/**
 * One cell of the study grid to run.
 *
 * @param method  {@code fp} or a method name of {@link Methods}
 * @param scheme  {@code fp} or a scheme such as {@code w4a16} (weight-only schemes use group size 128)
 * @param masking how the calibration inputs are masked; {@code null} for fp
 */
public record CellSpec(String method, String scheme, Calibration.Masking masking) {

    /** The full-precision baseline. */
    public static final CellSpec FP = new CellSpec("fp", "fp", null);

    /** The calibration column: {@code -} for fp, else {@code none} or {@code mixed}. */
    public String calibrationLabel() {
        return masking == null ? "-" : masking.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The paper's grid on the bundled model (study.md §3): FP; RTN, GPTQ, AWQ at W4A16 and W3A16 (g128)
     * with plain-text calibration, GPTQ and AWQ again with masked calibration; RTN, SmoothQuant, QuaRot and
     * DuQuant at W8A8, W4A8 and W4A4.
     */
    public static List<CellSpec> fullGrid() {
        List<CellSpec> cells = new ArrayList<>();
        cells.add(FP);
        for (String scheme : List.of("w4a16", "w3a16")) {
            for (String method : List.of("rtn", "gptq", "awq")) {
                cells.add(new CellSpec(method, scheme, Calibration.Masking.NONE));
            }
            for (String method : List.of("gptq", "awq")) {
                cells.add(new CellSpec(method, scheme, Calibration.Masking.MIXED));
            }
        }
        for (String scheme : List.of("w8a8", "w4a8", "w4a4")) {
            for (String method : List.of("rtn", "smoothquant", "quarot", "duquant")) {
                cells.add(new CellSpec(method, scheme, Calibration.Masking.NONE));
            }
        }
        return cells;
    }

    /** A quick subset: FP, the W4A16 weight-only methods (plus GPTQ with masked calibration), W8A8 and W4A4. */
    public static List<CellSpec> quickGrid() {
        List<CellSpec> cells = new ArrayList<>();
        cells.add(FP);
        for (String method : List.of("rtn", "gptq", "awq")) {
            cells.add(new CellSpec(method, "w4a16", Calibration.Masking.NONE));
        }
        cells.add(new CellSpec("gptq", "w4a16", Calibration.Masking.MIXED));
        for (String scheme : List.of("w8a8", "w4a4")) {
            for (String method : List.of("rtn", "smoothquant", "quarot", "duquant")) {
                cells.add(new CellSpec(method, scheme, Calibration.Masking.NONE));
            }
        }
        return cells;
    }

    /**
     * The cells of {@code grid} whose method is in {@code methods} and whose scheme is in {@code schemes}
     * (an empty set keeps every method, resp. scheme); the fp cell always stays first, since every other
     * row is compared with it.
     *
     * @throws IllegalArgumentException naming a method or scheme that no cell of {@code grid} has
     */
    public static List<CellSpec> select(List<CellSpec> grid, java.util.Set<String> methods, java.util.Set<String> schemes) {
        java.util.Set<String> knownMethods = new java.util.TreeSet<>();
        java.util.Set<String> knownSchemes = new java.util.TreeSet<>();
        for (CellSpec c : grid) {
            if (!c.equals(FP)) {
                knownMethods.add(c.method());
                knownSchemes.add(c.scheme());
            }
        }
        for (String m : methods) {
            if (!knownMethods.contains(m)) {
                throw new IllegalArgumentException("no cell of the grid has method '" + m + "': expected one of "
                        + String.join(", ", knownMethods));
            }
        }
        for (String s : schemes) {
            if (!knownSchemes.contains(s)) {
                throw new IllegalArgumentException("no cell of the grid has scheme '" + s + "': expected one of "
                        + String.join(", ", knownSchemes));
            }
        }
        List<CellSpec> selected = new ArrayList<>();
        selected.add(FP);
        for (CellSpec c : grid) {
            if (!c.equals(FP) && (methods.isEmpty() || methods.contains(c.method()))
                    && (schemes.isEmpty() || schemes.contains(c.scheme()))) {
                selected.add(c);
            }
        }
        return selected;
    }
}
