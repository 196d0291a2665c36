package io.github.dllmquant.examples.cli;

import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * A console progress bar for loading, calibration and evaluation:
 * <pre>
 * [##########..........]  50%  3/6  calibrate block 3/6: gptq q_proj  eta 0:12
 * </pre>
 * On a terminal it redraws one line in place (at most every {@value #REDRAW_MILLIS} ms, and always at
 * 100%); when stderr is redirected to a file it prints a plain line at every 10% instead, so logs stay
 * readable, and nothing at all for work that ends within {@value #QUIET_MILLIS} ms (loading a small model
 * should not fill a log). Safe to call from worker threads. Close it (try-with-resources) to end the line.
 */
public final class ConsoleProgressBar implements ProgressListener, AutoCloseable {

    /** Minimum time between two redraws on a terminal. */
    public static final long REDRAW_MILLIS = 100;
    /** In log mode, no lines before this much time has passed since the first update. */
    public static final long QUIET_MILLIS = 1000;
    private static final int BAR_WIDTH = 20;

    private final PrintWriter out;
    private final boolean interactive;
    private final LongSupplier nanoTime;
    private long startNanos = -1;
    private long lastDrawNanos;
    private int lastDecile = -1;
    private int drawnLength;
    private boolean open;
    private boolean printedLine;

    /**
     * @param out         where to draw (normally stderr)
     * @param interactive redraw in place with carriage returns (a terminal) or print lines (a log)
     * @param nanoTime    the clock, {@code System::nanoTime} outside tests
     */
    public ConsoleProgressBar(PrintWriter out, boolean interactive, LongSupplier nanoTime) {
        this.out = out;
        this.interactive = interactive;
        this.nanoTime = nanoTime;
    }

    /** A bar on stderr, redrawing in place when the JVM has a console. */
    public static ConsoleProgressBar onStderr() {
        return new ConsoleProgressBar(new PrintWriter(System.err, true, StandardCharsets.UTF_8),
                System.console() != null, System::nanoTime);
    }

    @Override
    public synchronized void onProgress(Progress progress) {
        long now = nanoTime.getAsLong();
        if (startNanos < 0) {
            startNanos = now;
        }
        boolean finished = progress.done() == progress.total();
        String line = render(progress, now - startNanos);
        if (interactive) {
            if (open && !finished && now - lastDrawNanos < REDRAW_MILLIS * 1_000_000L) {
                return;
            }
            String padding = " ".repeat(Math.max(0, drawnLength - line.length()));
            out.print("\r" + line + padding);
            out.flush();
            drawnLength = line.length();
            open = true;
        } else {
            int decile = (int) Math.floor(progress.fraction() * 10);
            boolean quiet = now - startNanos < QUIET_MILLIS * 1_000_000L;
            if (decile == lastDecile || (quiet && !(finished && printedLine))) {
                return;
            }
            lastDecile = decile;
            printedLine = true;
            out.println(line);
            out.flush();
        }
        lastDrawNanos = now;
    }

    /** Ends the bar's line (on a terminal), so the next output starts on a fresh line. */
    @Override
    public synchronized void close() {
        if (interactive && open) {
            out.println();
            out.flush();
            open = false;
        }
    }

    /**
     * One line of the bar.
     *
     * @param elapsedNanos time since the first update, for the estimate of the time left
     */
    static String render(Progress progress, long elapsedNanos) {
        double f = progress.fraction();
        int filled = (int) Math.floor(f * BAR_WIDTH);
        StringBuilder sb = new StringBuilder(96);
        sb.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ");
        sb.append(String.format("%3d%%", (int) Math.floor(f * 100)));
        sb.append("  ").append(progress.done()).append('/').append(progress.total());
        if (!progress.stage().isEmpty()) {
            sb.append("  ").append(progress.stage());
        }
        if (f > 0 && f < 1 && elapsedNanos > 0) {
            long leftSeconds = Math.round(elapsedNanos / 1e9 * (1 - f) / f);
            sb.append("  eta ").append(leftSeconds / 60).append(':').append(String.format("%02d", leftSeconds % 60));
        }
        return sb.toString();
    }
}
