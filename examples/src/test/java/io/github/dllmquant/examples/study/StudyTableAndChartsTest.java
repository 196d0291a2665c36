package io.github.dllmquant.examples.study;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StudyTableAndChartsTest {

    private static final List<StudyCell> CELLS = List.of(
            new StudyCell("fp", "fp", "-", new double[] {3.457, 4.253, 5.399}, new Proportion(70, 500),
                    new Proportion(215, 500), 11_280_000, 0, 950.5),
            new StudyCell("gptq", "w4a16", "mixed", new double[] {3.5, 4.3, 5.5}, new Proportion(60, 500),
                    new Proportion(200, 500), 2_100_000, 3.25, 1200));

    @Test
    void tableHasOneRowPerCellWithRelativeChange() {
        String md = StudyTable.markdown(CELLS, new double[] {0.15, 0.5, 0.85});
        String[] lines = md.split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).contains("NLL r=0.15", "NLL r=0.50", "NLL r=0.85", "math EM [95% CI]");
        assertThat(lines[2]).startsWith("| fp | fp | - | 3.457 | 4.253 | 5.399 | — | 14.0% [11.2, 17.3] | 43.0% [38.7, 47.4] | 11.28 |");
        // mean 4.4333 vs 4.3697 -> +1.5%
        assertThat(lines[3]).contains("| gptq | w4a16 | mixed |", "| +1.5% |", "| 2.10 | 3.3 | 1200.0 |");
    }

    @Test
    void chartsArePngImagesOfTheConfiguredSize(@TempDir Path dir) throws Exception {
        Path nll = dir.resolve("nll.png");
        Path acc = dir.resolve("accuracy.png");
        Charts.nllChart(CELLS, nll);
        Charts.accuracyChart(CELLS, acc);
        for (Path png : List.of(nll, acc)) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(1200);
            assertThat(image.getHeight()).isEqualTo(600);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("nll.png", "accuracy.png");
        }
    }
}
