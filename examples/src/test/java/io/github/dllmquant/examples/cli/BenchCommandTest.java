package io.github.dllmquant.examples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code dllmq bench}: the quick forward run prints positive figures and writes its section; bad options are one line. */
class BenchCommandTest {

    @Test
    void quickForwardPrintsPositiveFiguresAndWritesItsSection(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("RESULTS.md");
        Files.writeString(results, "# Results\n\nhand-written log stays\n");
        DllmqTest.Run r = DllmqTest.run("bench", "--only", "forward", "--quick", "--results", results.toString());
        assertThat(r.code()).as(r.err()).isZero();

        Matcher tiny = Pattern.compile("tiny-llada forward at 128 tokens: ([0-9.]+) ms, ([0-9.]+) tokens/s").matcher(r.out());
        assertThat(tiny.find()).as(r.out()).isTrue();
        assertThat(Double.parseDouble(tiny.group(1))).isPositive();
        assertThat(Double.parseDouble(tiny.group(2))).isPositive();
        Matcher big = Pattern.compile("full forward ([0-9.]+) ms, GEMMs alone ([0-9.]+) ms, ratio ([0-9.]+)x").matcher(r.out());
        assertThat(big.find()).as(r.out()).isTrue();
        double full = Double.parseDouble(big.group(1));
        double gemm = Double.parseDouble(big.group(2));
        assertThat(full).isPositive();
        assertThat(gemm).isPositive();
        // the printed ratio is the quotient of the printed times (rounding of the printed figures aside)
        assertThat(Double.parseDouble(big.group(3))).isCloseTo(full / gemm, org.assertj.core.data.Offset.offset(0.01 + 0.1 / gemm));

        String md = Files.readString(results);
        assertThat(md).startsWith("# Results\n\nhand-written log stays\n")
                .contains("<!-- forwardbench:begin").contains("<!-- forwardbench:end -->")
                .contains("Machine: ").contains("| tiny-llada (bundled) |").contains("full/GEMM");
        // a second run replaces the section rather than appending another
        DllmqTest.Run again = DllmqTest.run("bench", "--only", "forward", "--quick", "--results", results.toString());
        assertThat(again.code()).as(again.err()).isZero();
        String md2 = Files.readString(results);
        assertThat(md2.split("forwardbench:begin", -1)).hasSize(2);
        assertThat(md2).startsWith("# Results\n\nhand-written log stays\n");
    }

    @Test
    void unknownBenchmarkIsOneLineUsageError() {
        DllmqTest.Run r = DllmqTest.run("bench", "--only", "forward,warp");
        assertThat(r.code()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(r.err()).contains("warp").contains("kernels, forward, quantize, decode").hasLineCount(1);
        DllmqTest.Run bad = DllmqTest.run("bench", "--fast");
        assertThat(bad.code()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(bad.err()).contains("--fast").hasLineCount(1);
    }
}
