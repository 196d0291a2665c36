package io.github.dllmquant.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;

/**
 * The {@code dllmq} command line: the top command, which only dispatches to the subcommands listed in
 * {@code Subcommands}. Every failure ends as one line on stderr and a non-zero exit code, never a stack
 * trace (run with {@code -Ddllmq.stacktrace=true} to see one).
 *
 * <p>Exit codes: 0 success, 1 the command failed (bad model folder, I/O, ...), 2 bad usage (unknown
 * option, bad value), 130 cancelled or interrupted.
 */
@Command(name = "dllmq", mixinStandardHelpOptions = true, versionProvider = Dllmq.Version.class,
        description = "Load, quantize, evaluate and run diffusion LLMs (LLaDA, Dream) on the CPU.",
        synopsisSubcommandLabel = "COMMAND")
public final class Dllmq implements Callable<Integer> {

    /** Exit code of a command that failed while running. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of bad usage: unknown option, missing or bad value. */
    public static final int EXIT_USAGE = 2;
    /** Exit code of a cancelled or interrupted command. */
    public static final int EXIT_CANCELLED = 130;

    @Spec
    CommandSpec spec;

    /** Runs the command line and exits the JVM with its code. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Runs the command line without exiting: the entry point for tests and embedding.
     *
     * @return the exit code
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    /** The configured picocli command line: subcommands, output streams and error handlers. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Dllmq());
        for (Object subcommand : Subcommands.create()) {
            cl.addSubcommand(subcommand);
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Dllmq::onBadUsage);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> onFailure(e, commandLine));
        return cl;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: choose one of "
                + String.join(", ", spec.subcommands().keySet()) + " (dllmq --help lists them)");
    }

    /** Bad usage: one line naming the problem and where to find help. */
    private static int onBadUsage(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String command = cl.getCommandSpec().qualifiedName();
        cl.getErr().println(command + ": " + e.getMessage() + " (see '" + command + " --help')");
        cl.getErr().flush();
        return EXIT_USAGE;
    }

    /** A failure while running: one line with the innermost useful message. */
    private static int onFailure(Exception e, CommandLine cl) {
        String command = cl.getCommandSpec().qualifiedName();
        PrintWriter err = cl.getErr();
        if (Boolean.getBoolean("dllmq.stacktrace")) {
            e.printStackTrace(err);
        }
        if (e instanceof CancellationException || e instanceof InterruptedException) {
            err.println(command + ": cancelled: " + message(e));
            err.flush();
            return EXIT_CANCELLED;
        }
        err.println(command + ": " + message(e));
        err.flush();
        return EXIT_FAILURE;
    }

    /**
     * The message to show: the exception's own unless it only wraps a cause, then the cause's; the
     * class name when there is no message at all (a bug, but still one line).
     */
    static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
                && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return t instanceof java.nio.file.NoSuchFileException ? "no such file: " + m : m.strip().replace('\n', ' ');
    }

    /** The version printed by {@code --version}: the jar's implementation version when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Dllmq.class.getPackage().getImplementationVersion();
            return new String[] {"dllmq " + (v == null ? "(development build)" : v)};
        }
    }
}
