package io.github.dllmquant.examples.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KernelBench's {@code --shapes} sweep: one row per (shape, M) with positive figures, its own section. */
class ShapeSweepTest {

    @Test
    void sweepPrintsOneRowPerShapeAndTokenCountAndWritesItsOwnSection(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String section = ShapeSweep.run(new int[][]{{32, 64}, {48, 80}}, new int[]{1, 5}, 0.01,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> rows = section.lines().filter(l -> l.matches("\\| \\d+x\\d+ \\|.*")).toList();
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).startsWith("| 32x64 | 1 |");
        assertThat(rows.get(3)).startsWith("| 48x80 | 5 |");
        for (String row : rows) {
            String[] cells = row.split("\\|");
            for (int c = 3; c < cells.length; c++) {
                assertThat(Double.parseDouble(cells[c].trim())).as(row).isPositive();
            }
        }
        Matcher pass = Pattern.compile("\\(43 calls\\) at M = 32: ([0-9.]+) µs").matcher(section);
        assertThat(pass.find()).isTrue();
        assertThat(Double.parseDouble(pass.group(1))).isPositive();
        assertThat(section).contains("Pool (").contains("Machine: ");

        Path results = dir.resolve("RESULTS.md");
        Files.writeString(results, "# results\n\nhand-written text\n");
        ShapeSweep.write(results, "first\n");
        ShapeSweep.write(results, section);
        String file = Files.readString(results);
        assertThat(file).contains("hand-written text").contains("| 48x80 | 5 |").doesNotContain("first\n");
        assertThat(file.split("kernelbench-shapes:begin", -1)).hasSize(2);
    }

    @Test
    void smallFiguresKeepThreeSignificantDigitsInsteadOfRoundingToZero() {
        assertThat(ShapeSweep.figure(0.0357)).isEqualTo("0.0357");
        assertThat(ShapeSweep.figure(0.00012345)).isEqualTo("0.000123");
        assertThat(ShapeSweep.figure(4.5678)).isEqualTo("4.57");
        assertThat(ShapeSweep.figure(45.54)).isEqualTo("45.5");
        assertThat(ShapeSweep.figure(114.66)).isEqualTo("114.7");
    }

    @Test
    void shapeSetsByName() {
        assertThat(ShapeSweep.shapes("tiny")).isEqualTo(ShapeSweep.TINY);
        assertThat(ShapeSweep.shapes("8b")).isEqualTo(ShapeSweep.LLADA_8B);
        assertThat(ShapeSweep.shapes("all").length).isEqualTo(ShapeSweep.TINY.length + ShapeSweep.LLADA_8B.length);
        assertThatThrownBy(() -> ShapeSweep.shapes("huge")).hasMessageContaining("tiny, 8b or all");
    }
}
