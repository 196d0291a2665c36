package io.github.dllmquant.examples.cli;

import io.github.dllmquant.core.progress.Progress;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleProgressBarTest {

    @Test
    void rendersBarPercentCountStageAndEta() {
        // 3 of 6 after 12 s: 12 s left
        assertThat(ConsoleProgressBar.render(new Progress("calibrate block 3/6", 3, 6), 12_000_000_000L))
                .isEqualTo("[##########..........]  50%  3/6  calibrate block 3/6  eta 0:12");
        assertThat(ConsoleProgressBar.render(new Progress("", 1, 1), 5_000_000_000L))
                .isEqualTo("[####################] 100%  1/1");
        assertThat(ConsoleProgressBar.render(new Progress("load", 1, 4), 100_000_000_000L))
                .isEqualTo("[#####...............]  25%  1/4  load  eta 5:00");
    }

    @Test
    void aLogGetsOneLinePerTenPercentAfterTheFirstSecond() {
        StringWriter sink = new StringWriter();
        AtomicLong clock = new AtomicLong();
        try (ConsoleProgressBar bar = new ConsoleProgressBar(new PrintWriter(sink), false, clock::get)) {
            for (int i = 0; i <= 100; i++) {
                clock.addAndGet(20_000_000); // 20 ms per update: the first second covers 0..49%
                bar.onProgress(new Progress("eval", i, 100));
            }
        }
        String[] lines = sink.toString().split("\\R");
        assertThat(lines).hasSize(6);
        assertThat(lines[0]).startsWith("[##########..........]  50%  50/100  eval");
        assertThat(lines[5]).isEqualTo("[####################] 100%  100/100  eval");
    }

    @Test
    void aLogStaysSilentForQuickWork() {
        StringWriter sink = new StringWriter();
        AtomicLong clock = new AtomicLong();
        try (ConsoleProgressBar bar = new ConsoleProgressBar(new PrintWriter(sink), false, clock::get)) {
            for (int i = 1; i <= 57; i++) {
                clock.addAndGet(5_000_000);
                bar.onProgress(new Progress("load weights", i, 57));
            }
        }
        assertThat(sink.toString()).isEmpty();
    }

    @Test
    void aTerminalRedrawsInPlaceAtMostEveryHundredMilliseconds() {
        StringWriter sink = new StringWriter();
        AtomicLong clock = new AtomicLong();
        try (ConsoleProgressBar bar = new ConsoleProgressBar(new PrintWriter(sink), true, clock::get)) {
            for (int i = 1; i <= 50; i++) {
                clock.addAndGet(10_000_000); // 10 ms per update: every 10th is drawn, and the last
                bar.onProgress(new Progress("step", i, 50));
            }
        }
        String out = sink.toString();
        assertThat(out.chars().filter(c -> c == '\r').count()).isEqualTo(6);
        // the last line is padded with blanks over the longer line it replaces, then ended
        assertThat(out).endsWith(System.lineSeparator());
        assertThat(out.stripTrailing()).endsWith("\r[####################] 100%  50/50  step");
        assertThat(out).doesNotContain("\n[");
    }
}
