package io.github.dllmquant.examples.bench;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.concurrent.ThreadPool;
import io.github.dllmquant.core.kernels.Bf16Weights;
import io.github.dllmquant.core.kernels.Gemm;
import io.github.dllmquant.core.kernels.PackedF32Weights;
import io.github.dllmquant.core.tensor.Bf16;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * KernelBench's {@code --shapes} mode: the GEMM at the small shapes of a cached decoding pass, where
 * per-call costs (handing work to the pool, splitting, per-call buffers) weigh as much as the FLOPs.
 * For every shape {@code (K, N)} and token count {@code M}: F32 and BF16 weights, on the shared pool and
 * on a one-thread pool (the caller alone), median µs per call and GFLOP/s. Also measured: the pool's own
 * cost (an empty two-item call right after another, and after the caller ran serial code for a while),
 * and the 43 GEMMs of one tiny-llada pass in a row (6 blocks of q/k/v/o/gate/up/down plus the LM head)
 * at M = 32 (a cached pass) and M = 320 (a full pass).
 *
 * <pre>
 *   KernelBench --shapes tiny|8b|all [--tokens 1,8,32,33,64] [--seconds 0.3] [--results FILE | --no-write]
 * </pre>
 */
final class ShapeSweep {

    /** {@code (K, N)} of the bundled tiny-llada: d_model 256, MLP 768, vocab 1024. */
    static final int[][] TINY = {{256, 256}, {256, 768}, {768, 256}, {256, 1024}};
    /** {@code (K, N)} of LLaDA-8B's projections: d_model 4096, MLP 12288. */
    static final int[][] LLADA_8B = {{4096, 4096}, {4096, 12288}, {12288, 4096}};
    /** Default token counts: GEMV, a few rows, a cached pass (32, and 33 with Dream's extra row), two blocks. */
    static final int[] DEFAULT_TOKENS = {1, 8, 32, 33, 64};

    private static final String SECTION = "kernelbench-shapes";

    private ShapeSweep() {
    }

    /** The shapes named by {@code --shapes}. */
    static int[][] shapes(String name) {
        return switch (name) {
            case "tiny" -> TINY;
            case "8b" -> LLADA_8B;
            case "all" -> {
                int[][] all = new int[TINY.length + LLADA_8B.length][];
                System.arraycopy(TINY, 0, all, 0, TINY.length);
                System.arraycopy(LLADA_8B, 0, all, TINY.length, LLADA_8B.length);
                yield all;
            }
            default -> throw new IllegalArgumentException("--shapes must be tiny, 8b or all, got '" + name + "'");
        };
    }

    /** Runs the sweep, prints every line to {@code out} and returns the Markdown section text. */
    static String run(int[][] shapes, int[] tokens, double seconds, PrintStream out) {
        double warm = Math.min(0.5, Math.max(0.1, seconds));
        String machine = KernelBench.machineLine();
        out.println(machine);
        StringBuilder table = new StringBuilder();
        table.append("| K x N | M | F32 µs | F32 GFLOP/s | F32 1-thread µs | F32 2T/1T | BF16 µs | BF16 GFLOP/s | BF16 1-thread µs | BF16 2T/1T |\n");
        table.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        String pool = poolOverhead(warm, seconds, out);
        String pass;
        try (ThreadPool single = ThreadPool.create(1, "sweep-single-"); Arena arena = Arena.ofShared()) {
            Random rnd = new Random(7);
            int maxM = 0;
            for (int m : tokens) {
                maxM = Math.max(maxM, m);
            }
            for (int[] shape : shapes) {
                int k = shape[0];
                int n = shape[1];
                float[] w = gaussian(rnd, n * k, 0.02);
                PackedF32Weights f32 = PackedF32Weights.pack(w, n, k, arena);
                Bf16Weights bf16 = Bf16Weights.of(toBf16(w, arena), n, k);
                float[] x = gaussian(rnd, maxM * k, 1);
                float[] y = new float[maxM * n];
                for (int m : tokens) {
                    double flop = 2.0 * m * n * k;
                    double f2 = KernelBench.medianSeconds(() -> Gemm.gemm(x, m, f32, null, y), seconds, warm);
                    double f1 = KernelBench.medianSeconds(() -> Gemm.gemm(x, m, f32, null, y, single), seconds, warm);
                    double b2 = KernelBench.medianSeconds(() -> Gemm.gemm(x, m, bf16, null, y), seconds, warm);
                    double b1 = KernelBench.medianSeconds(() -> Gemm.gemm(x, m, bf16, null, y, single), seconds, warm);
                    String line = String.format(Locale.ROOT, "| %dx%d | %d | %s | %s | %s | %s | %s | %s | %s | %s |",
                            k, n, m, figure(f2 * 1e6), figure(flop / f2 / 1e9), figure(f1 * 1e6), figure(f1 / f2),
                            figure(b2 * 1e6), figure(flop / b2 / 1e9), figure(b1 * 1e6), figure(b1 / b2));
                    out.println(line);
                    table.append(line).append('\n');
                }
            }
            pass = tinyPass(rnd, arena, single, seconds, warm, out);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("### KernelBench --shapes run of ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append("\n\n");
        sb.append("Machine: ").append(machine).append("  \n");
        sb.append("Median µs per call; GFLOP/s = 2·M·N·K / time; \"1-thread\" = the same call on a one-thread pool "
                + "(the caller alone); 2T/1T = speed-up of the shared pool over it.\n\n");
        sb.append(table).append('\n');
        sb.append(pool).append('\n');
        sb.append(pass);
        return sb.toString();
    }

    /** The section markers and writer (the section sits beside KernelBench's main one). */
    static void write(java.nio.file.Path file, String section) throws java.io.IOException {
        ResultsSection.write(file, ResultsSection.begin(SECTION, "KernelBench --shapes"), ResultsSection.end(SECTION), section);
    }

    /**
     * The pool's cost with nothing to do: an empty two-item call right after the previous one (workers
     * awake), and after the caller ran ~50 µs and ~2 ms of serial work (as between a pass's GEMMs).
     */
    private static String poolOverhead(double warm, double seconds, PrintStream out) {
        ThreadPool pool = Parallel.pool();
        double backToBack = KernelBench.medianSeconds(() -> pool.forRange(2, i -> { }), seconds, warm);
        double after50us = KernelBench.medianSeconds(() -> {
            spin(50_000);
            pool.forRange(2, i -> { });
        }, seconds, warm) - KernelBench.medianSeconds(() -> spin(50_000), seconds, warm);
        double after2ms = KernelBench.medianSeconds(() -> {
            spin(2_000_000);
            pool.forRange(2, i -> { });
        }, seconds, warm) - KernelBench.medianSeconds(() -> spin(2_000_000), seconds, warm);
        String line = String.format(Locale.ROOT, "Pool (%d threads), empty 2-item call: back to back %.2f µs, after 50 µs "
                + "of serial work %.2f µs, after 2 ms %.2f µs (difference of medians, noisy).%n", pool.parallelism(),
                backToBack * 1e6, after50us * 1e6, after2ms * 1e6);
        out.print(line);
        return line;
    }

    /** The 43 GEMMs of one tiny-llada pass in a row, F32, on the shared pool and on the caller alone. */
    private static String tinyPass(Random rnd, Arena arena, ThreadPool single, double seconds, double warm, PrintStream out) {
        List<PackedF32Weights> layers = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            for (int[] shape : new int[][]{{256, 256}, {256, 256}, {256, 256}, {256, 256}, {256, 768}, {256, 768}, {768, 256}}) {
                layers.add(PackedF32Weights.pack(gaussian(rnd, shape[0] * shape[1], 0.02), shape[1], shape[0], arena));
            }
        }
        layers.add(PackedF32Weights.pack(gaussian(rnd, 256 * 1024, 0.02), 1024, 256, arena));
        StringBuilder sb = new StringBuilder();
        for (int m : new int[]{32, 320}) {
            float[] x = gaussian(rnd, m * 768, 1);
            float[] y = new float[m * 1024];
            double flop = 0;
            for (PackedF32Weights w : layers) {
                flop += 2.0 * m * w.n() * w.k();
            }
            double two = KernelBench.medianSeconds(() -> {
                for (PackedF32Weights w : layers) {
                    Gemm.gemm(x, m, w, null, y);
                }
            }, seconds, warm);
            double one = KernelBench.medianSeconds(() -> {
                for (PackedF32Weights w : layers) {
                    Gemm.gemm(x, m, w, null, y, single);
                }
            }, seconds, warm);
            String line = String.format(Locale.ROOT, "tiny-llada pass GEMMs (%d calls) at M = %d: %.1f µs (%.1f GFLOP/s) "
                    + "on the pool, %.1f µs (%.1f GFLOP/s) on the caller alone, 2T/1T %.2f%n", layers.size(), m,
                    two * 1e6, flop / two / 1e9, one * 1e6, flop / one / 1e9, one / two);
            out.print(line);
            sb.append("- ").append(line);
        }
        return sb.toString();
    }

    /**
     * One decimal from 10 up, three significant digits below: tiny shapes on a loaded machine run at
     * hundredths of a GFLOP/s and a cold pool call can be 100x the caller alone, which a fixed-decimal
     * format would print as a false 0.0.
     */
    static String figure(double value) {
        return value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.3g", value);
    }

    private static float[] gaussian(Random rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    private static MemorySegment toBf16(float[] w, Arena arena) {
        MemorySegment s = arena.allocate(2L * w.length, 64);
        for (int i = 0; i < w.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.fromFloat(w[i]));
        }
        return s;
    }

    private static volatile double sink;

    /** Serial work of about {@code nanos} nanoseconds on the caller (a busy loop, no sleeping). */
    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        double acc = 0;
        while (System.nanoTime() < end) {
            acc += Math.sqrt(acc + 1);
        }
        sink = acc;
    }
}
