package io.github.dllmquant.examples.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The top command: dispatching, usage errors and failure handling, each one line on stderr. */
class DllmqTest {

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Dllmq.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        Run r = run();
        assertThat(r.code()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(r.err()).startsWith("dllmq: missing command").hasLineCount(1);
    }

    @Test
    void unknownOptionAndUnknownCommandAreOneLine() {
        Run r = run("--frobnicate");
        assertThat(r.code()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(r.err()).isEqualTo("dllmq: Unknown option: '--frobnicate' (see 'dllmq --help')" + System.lineSeparator());
        Run c = run("frobnicate");
        assertThat(c.code()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(c.err()).contains("frobnicate").hasLineCount(1);
    }

    @Test
    void helpAndVersionSucceed() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: dllmq");
        assertThat(run("--version").out()).startsWith("dllmq ");
    }

    @Test
    void messagesUnwrapCausesWithoutText() {
        Exception wrapped = new RuntimeException(new java.io.UncheckedIOException(new java.io.IOException("disk full")));
        assertThat(Dllmq.message(wrapped)).isEqualTo("disk full");
        assertThat(Dllmq.message(new IllegalStateException())).isEqualTo("IllegalStateException");
        assertThat(Dllmq.message(new java.nio.file.NoSuchFileException("/x/config.json"))).isEqualTo(
                "no such file: /x/config.json");
    }
}
