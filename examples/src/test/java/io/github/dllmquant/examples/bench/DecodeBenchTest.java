package io.github.dllmquant.examples.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link DecodeBench} in its quick configuration (FP only): every variant is measured on both models, the
 * pass counts are the ones the variants imply, and the section of RESULTS.md is written and replaced.
 */
class DecodeBenchTest {

    private static final Path TINY = Path.of("models/tiny-llada");

    @Test
    void quickRunMeasuresEveryVariantWithTheExpectedPassCounts(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("RESULTS.md");
        Files.writeString(results, "# Results\n\nhand-written log stays\n");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<DecodeBench.Row> rows = DecodeBench.run(new DecodeBench.Options(TINY, true, 1, List.of("fp"), true, results),
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(rows).hasSize(2 * DecodeBench.Variant.values().length);
        for (DecodeBench.Row r : rows) {
            int blocks = r.model().startsWith("tiny") ? 2 : 1;
            assertThat(r.blocks()).isEqualTo(blocks);
            assertThat(r.tokens()).isEqualTo(blocks * DecodeBench.BLOCK_LENGTH);
            assertThat(r.seconds()).isPositive();
            assertThat(r.matchesVanilla()).isBetween(0, r.tokens());
            switch (r.variant()) {
                case VANILLA -> {
                    // one token per step, every step a full pass
                    assertThat(r.fullPasses()).isEqualTo(r.tokens());
                    assertThat(r.partialPasses()).isZero();
                    assertThat(r.matchesVanilla()).isEqualTo(r.tokens());
                    assertThat(r.speedup()).isEqualTo(1.0);
                }
                case THRESHOLD -> {
                    assertThat(r.partialPasses()).isZero();
                    assertThat(r.fullPasses()).isBetween(blocks, r.tokens());
                }
                case PREFIX -> {
                    // a full pass starts each block and renews the cache once 16 of its 32 positions were
                    // committed (the default policy; a prefix cache's refresh is a full pass)
                    assertThat(r.fullPasses()).isEqualTo(2 * blocks);
                    assertThat(r.refreshPasses()).isZero();
                    assertThat(r.forwardPasses()).isEqualTo(r.tokens());
                }
                case DUAL -> {
                    // the same points; the refresh recomputes the rows up to the block's end, which is a full pass
                    // only in the generation's last block (the tiny run's second block; the big run times one)
                    assertThat(r.fullPasses()).isEqualTo(blocks == 2 ? 3 : 1);
                    assertThat(r.refreshPasses()).isEqualTo(1);
                    assertThat(r.forwardPasses()).isEqualTo(r.tokens());
                }
                case THRESHOLD_DUAL -> {
                    assertThat(r.fullPasses()).isGreaterThanOrEqualTo(blocks);
                    assertThat(r.forwardPasses()).isBetween(blocks, r.tokens());
                }
                case THRESHOLD_DUAL_PER_BLOCK -> {
                    assertThat(r.fullPasses()).isEqualTo(blocks);
                    assertThat(r.refreshPasses()).isZero();
                    assertThat(r.forwardPasses()).isBetween(blocks, r.tokens());
                }
            }
        }
        String md = Files.readString(results);
        assertThat(md).startsWith("# Results\n\nhand-written log stays\n").contains("<!-- decodebench-fp:begin")
                .contains("<!-- decodebench-fp:end -->").contains("Machine: ").contains("| tiny-llada | fp | vanilla | 64 |")
                .contains("threshold 0.9 + dual cache");
        // a second write replaces the section instead of appending one
        ResultsSection.write(results, ResultsSection.begin("decodebench-fp", "DecodeBench"), ResultsSection.end("decodebench-fp"),
                "replaced\n");
        String md2 = Files.readString(results);
        assertThat(md2.split("decodebench-fp:begin", -1)).hasSize(2);
        assertThat(md2).contains("replaced\n").doesNotContain("| tiny-llada | fp | vanilla |")
                .startsWith("# Results\n\nhand-written log stays\n");
    }

    @Test
    void badOptionsAreNamed() {
        assertThatThrownBy(() -> new DecodeBench.Options(TINY, false, 9, List.of("fp"), true, null))
                .hasMessageContaining("bigBlocks");
        assertThatThrownBy(() -> new DecodeBench.Options(TINY, false, 1, List.of("w2a2"), true, null))
                .hasMessageContaining("w2a2");
    }
}
