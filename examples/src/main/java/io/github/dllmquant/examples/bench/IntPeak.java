package io.github.dllmquant.examples.bench;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * The multiply-add ceiling of the integer GEMMs on this machine, registers only (no loads in the loops):
 * <ol>
 *   <li>{@code f32}: FloatVector {@code fma}, 12 independent chains (what {@link FmaPeak} measures);</li>
 *   <li>{@code xor-tile}: the instruction sequence of one cell step of the int16 XOR/shift tile
 *       ({@code Int16Tiles.dot4x2}): two 16-bit {@code mul}, one 16-bit {@code add}, {@code XOR 0x8000},
 *       {@code ASHR 16} and two 32-bit {@code add} per {@code 2·SL} multiply-adds, 8 cells (the tile's 16
 *       accumulators);</li>
 *   <li>{@code i16-muladd}: 16-bit {@code mul} + {@code add} only, the products summed in int16 (the best
 *       case, e.g. int4 × int4 products that never overflow a short), 12 chains;</li>
 *   <li>{@code i16-grouped}: one group of the former grouped W4A8 tile ({@code Int16Tiles.grouped4x2}, replaced by {@code Int4OuterTiles}) at g = 128 and
 *       512 bits: 4 steps of 16-bit {@code mul} + {@code add}, then the single-shift split
 *       {@code (x + (x << 16)) >> 16}, I2F and {@code fma} with the group scale, 8 cells;</li>
 *   <li>{@code rot-tile}: a single-accumulator form of the XOR cell, {@code q = p ^ 0x80008000},
 *       {@code A += q + ROL(q, 16)} (each lane gains 65537·(lo + hi)), 16 cells;</li>
 *   <li>{@code mix-f8-x4}, {@code mix-f6-x6}: {@code fma} chains and XOR-tile cells interleaved in one loop. If the
 *       FMA pipes and the integer pipes were separate, the two would add up to more than either alone; on Zen 5
 *       they do not (both stay at ~1.0x {@code f32}), which is why splitting a W8A8 GEMM between float and integer
 *       arithmetic cannot beat the F32 GEMM (bench/INT-KERNELS.md attempt 75).</li>
 * </ol>
 * Each loop's operands come from fields and each chain feeds its own next step (the accumulator is an
 * operand of the next multiply), so C2 can neither fold the loop nor hoist the multiplies out of it; the
 * results are consumed. Reported: giga multiply-adds per second (GMAC/s; a multiply-add is 2 flops) on one
 * thread and on two threads at once, and the ratios of the integer sequences to {@code f32}.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp ... io.github.dllmquant.examples.bench.IntPeak [--seconds 0.4] [--runs 5]
 * </pre>
 */
public final class IntPeak {

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Short> S = VectorWidth.SHORT;
    private static final VectorSpecies<Integer> I = VectorWidth.INT;

    // loop inputs read from fields so C2 cannot treat them as constants
    static float fb = 0.9999999f;
    static float fc = 1e-7f;
    static short sb = 3;
    static short sc = 7;
    static volatile double sink;

    private IntPeak() {
    }

    /** One measured sequence. */
    enum Kind {
        F32(12L * F.length()),
        XOR_TILE(8L * 2 * S.length()),
        I16_MULADD(12L * S.length()),
        I16_GROUPED(8L * 4 * S.length()),
        ROT_TILE(16L * 2 * S.length()),
        MIX_F8_X4(8L * F.length() + 4L * 2 * S.length()),
        MIX_F6_X6(6L * F.length() + 6L * 2 * S.length());

        /** Multiply-adds per loop iteration. */
        final long macsPerIteration;

        Kind(long macsPerIteration) {
            this.macsPerIteration = macsPerIteration;
        }

        double run(long iterations) {
            return switch (this) {
                case F32 -> f32(iterations);
                case XOR_TILE -> xorTile(iterations);
                case I16_MULADD -> i16MulAdd(iterations);
                case I16_GROUPED -> i16Grouped(iterations);
                case ROT_TILE -> rotTile(iterations);
                case MIX_F8_X4 -> mixF8X4(iterations);
                case MIX_F6_X6 -> mixF6X6(iterations);
            };
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = 0.4;
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("IntPeak: %d-bit vectors, %d processors, registers only, best of %d runs of ~%.1f s%n",
                F.vectorBitSize(), Runtime.getRuntime().availableProcessors(), runs, seconds);
        for (Kind kind : Kind.values()) {
            kind.run(200_000);  // warm-up: C2 compiles every loop before timing
            kind.run(200_000);
        }
        double[][] gmacs = new double[2][Kind.values().length];
        for (int threads = 1; threads <= 2; threads++) {
            for (Kind kind : Kind.values()) {
                gmacs[threads - 1][kind.ordinal()] = measure(kind, threads, seconds, runs);
            }
        }
        System.out.println("| sequence | GMAC/s 1 thread | x f32 | GMAC/s 2 threads | x f32 |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (Kind kind : Kind.values()) {
            int k = kind.ordinal();
            System.out.printf("| %s | %.1f | %.2f | %.1f | %.2f |%n", kind.name().toLowerCase().replace('_', '-'),
                    gmacs[0][k], gmacs[0][k] / gmacs[0][0], gmacs[1][k], gmacs[1][k] / gmacs[1][0]);
        }
    }

    /** GMAC/s of {@code kind} on {@code threads} threads running at once, best of {@code runs}. */
    static double measure(Kind kind, int threads, double seconds, int runs) throws Exception {
        long t0 = System.nanoTime();
        kind.run(1_000_000);
        double perIteration = (System.nanoTime() - t0) / 1e9 / 1_000_000;
        long iterations = Math.max(1_000_000, (long) (seconds / perIteration));
        double best = 0;
        for (int r = 0; r < runs; r++) {
            CyclicBarrier start = new CyclicBarrier(threads + 1);
            double[] results = new double[threads];
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    results[id] = kind.run(iterations);
                });
                worker.start();
                workers.add(worker);
            }
            start.await();
            long begin = System.nanoTime();
            for (Thread worker : workers) {
                worker.join();
            }
            double elapsed = (System.nanoTime() - begin) / 1e9;
            for (double v : results) {
                sink += v;
            }
            best = Math.max(best, (double) kind.macsPerIteration * iterations * threads / elapsed / 1e9);
        }
        return best;
    }

    static double f32(long iterations) {
        FloatVector b = FloatVector.broadcast(F, fb);
        FloatVector c = FloatVector.broadcast(F, fc);
        // distinct starting values, so no two chains are the same expression
        FloatVector a0 = FloatVector.broadcast(F, fb), a1 = a0.add(c), a2 = a1.add(c), a3 = a2.add(c), a4 = a3.add(c);
        FloatVector a5 = a4.add(c), a6 = a5.add(c), a7 = a6.add(c), a8 = a7.add(c), a9 = a8.add(c), a10 = a9.add(c), a11 = a10.add(c);
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

    /**
     * One step of 8 cells of the XOR tile: {@code p = x·w + y·v} (int16), {@code A += p ^ 0x8000},
     * {@code H += p >> 16} on the int32 view. The tile's x and y (activations) are here the cell's own
     * accumulators viewed as shorts, which keeps the multiplies in the loop without adding instructions.
     */
    static double xorTile(long iterations) {
        ShortVector w = ShortVector.broadcast(S, sb);
        ShortVector v = ShortVector.broadcast(S, sc);
        IntVector one = IntVector.broadcast(I, sb);
        IntVector a0 = IntVector.broadcast(I, sc), a1 = a0.add(one), a2 = a1.add(one), a3 = a2.add(one);
        IntVector a4 = a3.add(one), a5 = a4.add(one), a6 = a5.add(one), a7 = a6.add(one);
        IntVector h0 = a7.add(one), h1 = h0.add(one), h2 = h1.add(one), h3 = h2.add(one);
        IntVector h4 = h3.add(one), h5 = h4.add(one), h6 = h5.add(one), h7 = h6.add(one);
        IntVector p;
        for (long i = 0; i < iterations; i++) {
            p = a0.reinterpretAsShorts().mul(w).add(h0.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a0 = a0.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h0 = h0.add(p.lanewise(VectorOperators.ASHR, 16));
            p = a1.reinterpretAsShorts().mul(w).add(h1.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a1 = a1.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h1 = h1.add(p.lanewise(VectorOperators.ASHR, 16));
            p = a2.reinterpretAsShorts().mul(w).add(h2.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a2 = a2.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h2 = h2.add(p.lanewise(VectorOperators.ASHR, 16));
            p = a3.reinterpretAsShorts().mul(w).add(h3.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a3 = a3.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h3 = h3.add(p.lanewise(VectorOperators.ASHR, 16));
            p = a4.reinterpretAsShorts().mul(w).add(h4.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a4 = a4.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h4 = h4.add(p.lanewise(VectorOperators.ASHR, 16));
            p = a5.reinterpretAsShorts().mul(w).add(h5.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a5 = a5.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h5 = h5.add(p.lanewise(VectorOperators.ASHR, 16));
            p = a6.reinterpretAsShorts().mul(w).add(h6.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a6 = a6.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h6 = h6.add(p.lanewise(VectorOperators.ASHR, 16));
            p = a7.reinterpretAsShorts().mul(w).add(h7.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a7 = a7.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h7 = h7.add(p.lanewise(VectorOperators.ASHR, 16));
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(h0).add(h1).add(h2).add(h3).add(h4).add(h5).add(h6).add(h7).reduceLanes(VectorOperators.ADD);
    }

    /**
     * One group of 8 cells of the grouped tile: 4 steps {@code s += x·w_j} (int16), split, I2F, {@code f = fma}.
     * x is the cell's float accumulator viewed as shorts (4 weights w_j, so the 4 multiplies stay distinct);
     * the int16 sums are not reset per group (the tile's reset is a zeroing idiom).
     */
    static double i16Grouped(long iterations) {
        ShortVector w0 = ShortVector.broadcast(S, sb), w1 = w0.add(w0), w2 = w1.add(w0), w3 = w2.add(w0);
        FloatVector scale = FloatVector.broadcast(F, fb);
        FloatVector f0 = FloatVector.broadcast(F, fc), f1 = f0.add(scale), f2 = f1.add(scale), f3 = f2.add(scale);
        FloatVector f4 = f3.add(scale), f5 = f4.add(scale), f6 = f5.add(scale), f7 = f6.add(scale);
        ShortVector s0 = w0, s1 = w1, s2 = w2, s3 = w3, s4 = s0.add(w3), s5 = s1.add(w3), s6 = s2.add(w3), s7 = s3.add(w3);
        ShortVector x;
        IntVector p;
        for (long i = 0; i < iterations; i++) {
            x = f0.reinterpretAsShorts();
            s0 = s0.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s0.reinterpretAsInts();
            f0 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f0);
            x = f1.reinterpretAsShorts();
            s1 = s1.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s1.reinterpretAsInts();
            f1 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f1);
            x = f2.reinterpretAsShorts();
            s2 = s2.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s2.reinterpretAsInts();
            f2 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f2);
            x = f3.reinterpretAsShorts();
            s3 = s3.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s3.reinterpretAsInts();
            f3 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f3);
            x = f4.reinterpretAsShorts();
            s4 = s4.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s4.reinterpretAsInts();
            f4 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f4);
            x = f5.reinterpretAsShorts();
            s5 = s5.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s5.reinterpretAsInts();
            f5 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f5);
            x = f6.reinterpretAsShorts();
            s6 = s6.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s6.reinterpretAsInts();
            f6 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f6);
            x = f7.reinterpretAsShorts();
            s7 = s7.add(x.mul(w0)).add(x.mul(w1)).add(x.mul(w2)).add(x.mul(w3));
            p = s7.reinterpretAsInts();
            f7 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).fma(scale, f7);
        }
        return f0.add(f1).add(f2).add(f3).add(f4).add(f5).add(f6).add(f7).reduceLanes(VectorOperators.ADD)
                + s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7).reduceLanes(VectorOperators.ADD);
    }

    /** 16-bit {@code acc = acc·b + c}: one multiply and one add per lane and step, 12 chains. */
    static double i16MulAdd(long iterations) {
        ShortVector b = ShortVector.broadcast(S, sb);
        ShortVector c = ShortVector.broadcast(S, sc);
        ShortVector a0 = ShortVector.broadcast(S, sc), a1 = a0.add(b), a2 = a1.add(b), a3 = a2.add(b), a4 = a3.add(b);
        ShortVector a5 = a4.add(b), a6 = a5.add(b), a7 = a6.add(b), a8 = a7.add(b), a9 = a8.add(b), a10 = a9.add(b), a11 = a10.add(b);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.mul(b).add(c);
            a1 = a1.mul(b).add(c);
            a2 = a2.mul(b).add(c);
            a3 = a3.mul(b).add(c);
            a4 = a4.mul(b).add(c);
            a5 = a5.mul(b).add(c);
            a6 = a6.mul(b).add(c);
            a7 = a7.mul(b).add(c);
            a8 = a8.mul(b).add(c);
            a9 = a9.mul(b).add(c);
            a10 = a10.mul(b).add(c);
            a11 = a11.mul(b).add(c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    /** 8 {@code fma} chains and 4 XOR-tile cells in one loop: do the FMA and integer pipes overlap? */
    static double mixF8X4(long iterations) {
        FloatVector b = FloatVector.broadcast(F, fb);
        FloatVector c = FloatVector.broadcast(F, fc);
        ShortVector w = ShortVector.broadcast(S, sb);
        ShortVector v = ShortVector.broadcast(S, sc);
        IntVector one = IntVector.broadcast(I, sb);
        FloatVector f0 = FloatVector.broadcast(F, fb);
        FloatVector f1 = f0.add(c);
        FloatVector f2 = f1.add(c);
        FloatVector f3 = f2.add(c);
        FloatVector f4 = f3.add(c);
        FloatVector f5 = f4.add(c);
        FloatVector f6 = f5.add(c);
        FloatVector f7 = f6.add(c);
        IntVector a0 = IntVector.broadcast(I, sc);
        IntVector a1 = a0.add(one);
        IntVector a2 = a1.add(one);
        IntVector a3 = a2.add(one);
        IntVector h0 = a3.add(one);
        IntVector h1 = h0.add(one);
        IntVector h2 = h1.add(one);
        IntVector h3 = h2.add(one);
        IntVector p;
        for (long i = 0; i < iterations; i++) {
            p = a0.reinterpretAsShorts().mul(w).add(h0.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a0 = a0.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h0 = h0.add(p.lanewise(VectorOperators.ASHR, 16));
            f0 = f0.fma(b, c);
            f1 = f1.fma(b, c);
            p = a1.reinterpretAsShorts().mul(w).add(h1.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a1 = a1.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h1 = h1.add(p.lanewise(VectorOperators.ASHR, 16));
            f2 = f2.fma(b, c);
            f3 = f3.fma(b, c);
            p = a2.reinterpretAsShorts().mul(w).add(h2.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a2 = a2.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h2 = h2.add(p.lanewise(VectorOperators.ASHR, 16));
            f4 = f4.fma(b, c);
            f5 = f5.fma(b, c);
            p = a3.reinterpretAsShorts().mul(w).add(h3.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a3 = a3.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h3 = h3.add(p.lanewise(VectorOperators.ASHR, 16));
            f6 = f6.fma(b, c);
            f7 = f7.fma(b, c);
        }
        return f0.add(f1).add(f2).add(f3).add(f4).add(f5).add(f6).add(f7).reduceLanes(VectorOperators.ADD)
                + a0.add(a1).add(a2).add(a3).add(h0).add(h1).add(h2).add(h3).reduceLanes(VectorOperators.ADD);
    }

    /** 6 {@code fma} chains and 6 XOR-tile cells in one loop: do the FMA and integer pipes overlap? */
    static double mixF6X6(long iterations) {
        FloatVector b = FloatVector.broadcast(F, fb);
        FloatVector c = FloatVector.broadcast(F, fc);
        ShortVector w = ShortVector.broadcast(S, sb);
        ShortVector v = ShortVector.broadcast(S, sc);
        IntVector one = IntVector.broadcast(I, sb);
        FloatVector f0 = FloatVector.broadcast(F, fb);
        FloatVector f1 = f0.add(c);
        FloatVector f2 = f1.add(c);
        FloatVector f3 = f2.add(c);
        FloatVector f4 = f3.add(c);
        FloatVector f5 = f4.add(c);
        IntVector a0 = IntVector.broadcast(I, sc);
        IntVector a1 = a0.add(one);
        IntVector a2 = a1.add(one);
        IntVector a3 = a2.add(one);
        IntVector a4 = a3.add(one);
        IntVector a5 = a4.add(one);
        IntVector h0 = a5.add(one);
        IntVector h1 = h0.add(one);
        IntVector h2 = h1.add(one);
        IntVector h3 = h2.add(one);
        IntVector h4 = h3.add(one);
        IntVector h5 = h4.add(one);
        IntVector p;
        for (long i = 0; i < iterations; i++) {
            p = a0.reinterpretAsShorts().mul(w).add(h0.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a0 = a0.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h0 = h0.add(p.lanewise(VectorOperators.ASHR, 16));
            f0 = f0.fma(b, c);
            p = a1.reinterpretAsShorts().mul(w).add(h1.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a1 = a1.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h1 = h1.add(p.lanewise(VectorOperators.ASHR, 16));
            f1 = f1.fma(b, c);
            p = a2.reinterpretAsShorts().mul(w).add(h2.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a2 = a2.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h2 = h2.add(p.lanewise(VectorOperators.ASHR, 16));
            f2 = f2.fma(b, c);
            p = a3.reinterpretAsShorts().mul(w).add(h3.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a3 = a3.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h3 = h3.add(p.lanewise(VectorOperators.ASHR, 16));
            f3 = f3.fma(b, c);
            p = a4.reinterpretAsShorts().mul(w).add(h4.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a4 = a4.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h4 = h4.add(p.lanewise(VectorOperators.ASHR, 16));
            f4 = f4.fma(b, c);
            p = a5.reinterpretAsShorts().mul(w).add(h5.reinterpretAsShorts().mul(v)).reinterpretAsInts();
            a5 = a5.add(p.lanewise(VectorOperators.XOR, 0x8000));
            h5 = h5.add(p.lanewise(VectorOperators.ASHR, 16));
            f5 = f5.fma(b, c);
        }
        return f0.add(f1).add(f2).add(f3).add(f4).add(f5).reduceLanes(VectorOperators.ADD)
                + a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(h0).add(h1).add(h2).add(h3).add(h4).add(h5)
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * One step of 16 cells of a single-accumulator tile: {@code p = x·w + y·v} (int16), {@code q = p ^ 0x80008000}
     * (both halves biased to unsigned), {@code A += q + ROL(q, 16)}: every lane gains 65537·(lo + hi), so the
     * cell's exact sum is {@code A·65537⁻¹ mod 2³²} less the biases. Same op count as the XOR tile, half the
     * accumulators.
     */
    static double rotTile(long iterations) {
        ShortVector w = ShortVector.broadcast(S, sb);
        ShortVector v = ShortVector.broadcast(S, sc);
        IntVector one = IntVector.broadcast(I, sb);
        IntVector a0 = IntVector.broadcast(I, sc);
        IntVector a1 = a0.add(one);
        IntVector a2 = a1.add(one);
        IntVector a3 = a2.add(one);
        IntVector a4 = a3.add(one);
        IntVector a5 = a4.add(one);
        IntVector a6 = a5.add(one);
        IntVector a7 = a6.add(one);
        IntVector a8 = a7.add(one);
        IntVector a9 = a8.add(one);
        IntVector a10 = a9.add(one);
        IntVector a11 = a10.add(one);
        IntVector a12 = a11.add(one);
        IntVector a13 = a12.add(one);
        IntVector a14 = a13.add(one);
        IntVector a15 = a14.add(one);
        IntVector q;
        for (long i = 0; i < iterations; i++) {
            q = a0.reinterpretAsShorts().mul(w).add(a1.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a0 = a0.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a1.reinterpretAsShorts().mul(w).add(a2.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a1 = a1.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a2.reinterpretAsShorts().mul(w).add(a3.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a2 = a2.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a3.reinterpretAsShorts().mul(w).add(a4.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a3 = a3.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a4.reinterpretAsShorts().mul(w).add(a5.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a4 = a4.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a5.reinterpretAsShorts().mul(w).add(a6.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a5 = a5.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a6.reinterpretAsShorts().mul(w).add(a7.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a6 = a6.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a7.reinterpretAsShorts().mul(w).add(a8.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a7 = a7.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a8.reinterpretAsShorts().mul(w).add(a9.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a8 = a8.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a9.reinterpretAsShorts().mul(w).add(a10.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a9 = a9.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a10.reinterpretAsShorts().mul(w).add(a11.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a10 = a10.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a11.reinterpretAsShorts().mul(w).add(a12.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a11 = a11.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a12.reinterpretAsShorts().mul(w).add(a13.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a12 = a12.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a13.reinterpretAsShorts().mul(w).add(a14.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a13 = a13.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a14.reinterpretAsShorts().mul(w).add(a15.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a14 = a14.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
            q = a15.reinterpretAsShorts().mul(w).add(a0.reinterpretAsShorts().mul(v)).reinterpretAsInts().lanewise(VectorOperators.XOR, 0x80008000);
            a15 = a15.add(q.add(q.lanewise(VectorOperators.ROL, 16)));
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15).reduceLanes(VectorOperators.ADD);
    }
}
