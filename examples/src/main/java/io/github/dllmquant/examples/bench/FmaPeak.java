package io.github.dllmquant.examples.bench;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.atomic.DoubleAdder;

/**
 * The machine's measured FMA peak: an FMA-only FloatVector loop (12 independent chains, enough to hide
 * the FMA latency at two pipes) on every thread of the shared pool, at the kernels' vector width.
 */
final class FmaPeak {

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int CHAINS = 12;

    private FmaPeak() {
    }

    /** GFLOP/s (2 flops per FMA lane) over all pool threads, best of a few runs of about 0.4 s each. */
    static double measureGflops() {
        int parts = Parallel.parallelism() * 8;
        long iterations = 2_000_000;
        DoubleAdder sink = new DoubleAdder();
        Parallel.forRange(parts, i -> sink.add(loop(iterations / 20)));  // warm-up and JIT
        double best = 0;
        for (int run = 0; run < 4; run++) {
            long t0 = System.nanoTime();
            Parallel.forRange(parts, i -> sink.add(loop(iterations)));
            double seconds = (System.nanoTime() - t0) / 1e9;
            double flops = 2.0 * F.length() * CHAINS * iterations * parts;
            best = Math.max(best, flops / seconds / 1e9);
        }
        if (sink.sum() == 42.0) {
            System.out.print(""); // keeps the chains alive
        }
        return best;
    }

    private static float loop(long iterations) {
        FloatVector b = FloatVector.broadcast(F, 0.9999999f);
        FloatVector c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, 1f);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(b, c);
            a1 = a1.fma(b, c);
            a2 = a2.fma(b, c);
            a3 = a3.fma(b, c);
            a4 = a4.fma(b, c);
            a5 = a5.fma(b, c);
            a6 = a6.fma(b, c);
            a7 = a7.fma(b, c);
            a8 = a8.fma(b, c);
            a9 = a9.fma(b, c);
            a10 = a10.fma(b, c);
            a11 = a11.fma(b, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
