package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import io.github.dllmquant.core.quant.QuantizedWeight;

import java.util.Random;

/**
 * Development probe (INT-KERNELS attempts 60-62; not a test, surefire does not pick it up): the grouped W4A8
 * outer-product tile {@link Int4OuterTiles#outer4x2} (lanes over output rows) against the k-lanes tile
 * {@link Int16Tiles#grouped4x2} on the same operands, one thread, K = 4096, g = 128, asymmetric 8-bit codes, with
 * the F32 FMA peak of the same run; checks the outer tile's bits against a scalar computation cold and compiled.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp quant-core/target/test-classes:quant-core/target/classes:slf4j-api.jar \
 *       io.github.dllmquant.core.kernels.integer.OuterProductProbe [--seconds 0.3] [--runs 5]
 * </pre>
 */
final class OuterProductProbe {

    private static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int IL = I.length();

    static volatile double sink;
    static float fb = 0.9999999f;
    static float fc = 1e-7f;

    private OuterProductProbe() {
    }

    // ------------------------------------------------------------------ F32 peak (IntPeak's f32 loop)

    static double f32(long iterations) {
        FloatVector b = FloatVector.broadcast(F, fb);
        FloatVector c = FloatVector.broadcast(F, fc);
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

    // ------------------------------------------------------------------ measurement

    interface Work {
        void run();
    }

    /** GFLOP/s (2 flops per multiply-add) of {@code work}, best of {@code runs} timed batches of ~{@code seconds}. */
    static double gflops(Work work, double macsPerRun, double seconds, int runs) {
        for (int i = 0; i < 20; i++) {
            work.run();
        }
        long t0 = System.nanoTime();
        work.run();
        double once = Math.max(1e-7, (System.nanoTime() - t0) / 1e9);
        int reps = (int) Math.max(3, seconds / once);
        double best = 0;
        for (int r = 0; r < runs; r++) {
            long b = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                work.run();
            }
            double s = (System.nanoTime() - b) / 1e9;
            best = Math.max(best, 2 * macsPerRun * reps / s / 1e9);
        }
        return best;
    }

    public static void main(String[] args) {
        double seconds = 0.3;
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int k = 4096;
        int groupSize = 128;
        int groups = k / groupSize;
        int tokens = 32;
        int rows = 64;
        int panelRows = 2 * IL;
        Random rnd = new Random(42);
        short[] as = new short[tokens * k];
        int[] za = new int[tokens];
        for (int i = 0; i < as.length; i++) {
            as[i] = (short) (rnd.nextInt(256) - 128);
        }
        for (int t = 0; t < tokens; t++) {
            za[t] = rnd.nextInt(256) - 128;
        }
        byte[] codes = new byte[rows * k];
        float[] zf = new float[rows * groups];
        float[] sw = new float[rows * groups];
        for (int o = 0; o < rows; o++) {
            for (int g = 0; g < groups; g++) {
                zf[o * groups + g] = rnd.nextInt(16);
                sw[o * groups + g] = 0.001f + rnd.nextFloat() * 0.01f;
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                    codes[o * k + i] = (byte) rnd.nextInt(16);
                }
            }
        }
        // extremes in the first group of row 0: every product −15·−128 (the int16 lane bound)
        zf[0] = 15f;
        for (int i = 0; i < groupSize; i++) {
            codes[i] = 0;
            as[i] = -128;
        }
        Int4Weights w = Int4Weights.of(new QuantizedWeight(rows, k, 4, groupSize, false, codes, sw, zf), Int4Tiles.BLOCK);
        short[] wq = new short[rows * k];
        for (int o = 0; o < rows; o++) {
            Int16Tiles.unpack(w, o, wq, o * k);
        }
        // Σ (q − z) per row and group; scalar reference: acc = Σ_g float(D − za·S)·sw from 0f
        int[] sg = new int[rows * groups];
        for (int o = 0; o < rows; o++) {
            for (int g = 0; g < groups; g++) {
                int s = 0;
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                    s += wq[o * k + i];
                }
                sg[o * groups + g] = s;
            }
        }
        float[] ref = new float[tokens * rows];
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < rows; o++) {
                float acc = 0f;
                for (int g = 0; g < groups; g++) {
                    int d = 0;
                    for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                        d += wq[o * k + i] * as[t * k + i];
                    }
                    long exact = (long) d - (long) za[t] * sg[o * groups + g];
                    acc += (float) exact * sw[o * groups + g];
                }
                ref[t * rows + o] = acc;
            }
        }
        int[] ap = new int[tokens * k / 2];
        Int4OuterTiles.pairs(as, tokens * k, ap);
        int panels = rows / panelRows;
        byte[] nibbles = w.outerPanels();
        int[][] wp = new int[panels][panelRows * k / 2];
        int[][] gs = new int[panels][groups * panelRows];
        float[][] gw = new float[panels][groups * panelRows];
        short[] zs = new short[2 * Int16Tiles.SL];
        for (int pn = 0; pn < panels; pn++) {
            Int4OuterTiles.unpack(w, nibbles, pn, zs, wp[pn], gs[pn], gw[pn]);
        }
        float[] acc = new float[4 * panelRows];
        float[] out = new float[tokens * rows];
        Work outerBlock = () -> {
            for (int pn = 0; pn < panels; pn++) {
                for (int t = 0; t < tokens; t += 4) {
                    Int4OuterTiles.outer4x2(ap, t * k / 2, k / 2, wp[pn], gs[pn], gw[pn], za, t, groups, groupSize / 2, acc);
                    for (int i = 0; i < 4; i++) {
                        System.arraycopy(acc, i * panelRows, out, (t + i) * rows + pn * panelRows, panelRows);
                    }
                }
            }
        };
        Work outerTile = () -> Int4OuterTiles.outer4x2(ap, 0, k / 2, wp[0], gs[0], gw[0], za, 0, groups, groupSize / 2, acc);
        Work unpackAll = () -> {
            for (int pn = 0; pn < panels; pn++) {
                Int4OuterTiles.unpack(w, nibbles, pn, zs, wp[pn], gs[pn], gw[pn]);
            }
        };
        // current k-lanes tile: row-major q − z, 16-row blocks, y = sums − za·Σ_g sw·S_g (the GEMM's epilogue without sa)
        float[] corr = new float[rows];
        for (int o = 0; o < rows; o++) {
            float c = 0f;
            for (int g = 0; g < groups; g++) {
                c += sw[o * groups + g] * sg[o * groups + g];
            }
            corr[o] = c;
        }
        float[] lanes = new float[8 * Int16Tiles.FL];
        float[] sums = new float[16];
        float[] cur = new float[tokens * rows];
        int block = 16;
        Work currentBlock = () -> {
            for (int r0 = 0; r0 < rows; r0 += block) {
                for (int t = 0; t < tokens; t += 4) {
                    for (int o = r0; o < r0 + block; o += 2) {
                        Int16Tiles.grouped4x2(as, t * k, k, wq, o * k, k, o, sw, groups, groupSize, lanes, sums);
                        for (int i = 0; i < 4; i++) {
                            for (int j = 0; j < 2; j++) {
                                cur[(t + i) * rows + o + j] = sums[i * 4 + j] - za[t + i] * corr[o + j];
                            }
                        }
                    }
                }
            }
        };
        Work currentTile = () -> {
            for (int o = 0; o < panelRows; o += 2) {
                Int16Tiles.grouped4x2(as, 0, k, wq, o * k, k, o, sw, groups, groupSize, lanes, sums);
            }
        };
        outerBlock.run();
        System.out.printf("outer4x2 cold: %d of %d cells differ (bits) from the scalar reference%n", compare(out, ref), out.length);
        for (int i = 0; i < 3000; i++) {
            outerTile.run();
        }
        outerBlock.run();
        System.out.printf("outer4x2 compiled: %d of %d cells differ (bits) from the scalar reference%n", compare(out, ref), out.length);
        currentBlock.run();
        System.out.printf("grouped4x2: %d of %d cells differ (bits), max |diff|/|ref|max %.2e%n", compare(cur, ref), cur.length, maxDiff(cur, ref));
        double tileMacs = 4.0 * panelRows * k;
        double blockMacs = (double) tokens * rows * k;
        long fmaIterations = 200_000;
        double[] best = new double[6];
        String[] names = {"f32 fma peak (registers)", "outer4x2 tile (4 tok x 32 rows)", "grouped4x2 x16 (4 tok x 32 rows)",
                "outer block M=32 N=64", "grouped4x2 block M=32 N=64", "outer block M=32 N=64 + panel unpack"};
        for (int round = 0; round < 3; round++) {
            double[] g = {
                    gflops(() -> sink += f32(fmaIterations), 12.0 * F.length() * fmaIterations, seconds, runs),
                    gflops(outerTile, tileMacs, seconds, runs),
                    gflops(currentTile, tileMacs, seconds, runs),
                    gflops(outerBlock, blockMacs, seconds, runs),
                    gflops(currentBlock, blockMacs, seconds, runs),
                    gflops(() -> {
                        unpackAll.run();
                        outerBlock.run();
                    }, blockMacs, seconds, runs)};
            System.out.printf("round %d:", round);
            for (int i = 0; i < g.length; i++) {
                System.out.printf(" %.1f", g[i]);
                best[i] = Math.max(best[i], g[i]);
            }
            System.out.println();
        }
        System.out.println("| kernel (one thread, K = 4096, g = 128) | GFLOP/s | x f32 peak | x grouped4x2 same shape |");
        System.out.println("|---|---:|---:|---:|");
        for (int i = 0; i < names.length; i++) {
            double vsCur = i == 1 || i == 2 ? best[i] / best[2] : i >= 3 ? best[i] / best[4] : Double.NaN;
            vsCur = i == 0 ? Double.NaN : vsCur;
            System.out.printf("| %s | %.1f | %.2f | %.2f |%n", names[i], best[i], best[i] / best[0], vsCur);
        }
        outerBlock.run();
        System.out.printf("outer4x2 after timing: %d cells differ (bits)%n", compare(out, ref));
    }

    static double maxDiff(float[] got, float[] ref) {
        double m = 0;
        double r = 0;
        for (int i = 0; i < got.length; i++) {
            m = Math.max(m, Math.abs(got[i] - ref[i]));
            r = Math.max(r, Math.abs(ref[i]));
        }
        return m / r;
    }

    static int compare(float[] got, float[] ref) {
        int bad = 0;
        for (int i = 0; i < got.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(ref[i])) {
                bad++;
            }
        }
        return bad;
    }
}
