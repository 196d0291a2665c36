package io.github.dllmquant.examples.bench;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.QuantizationReport;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.methods.gptq.Gptq;
import io.github.dllmquant.methods.gptq.GptqResult;
import io.github.dllmquant.methods.gptq.GptqSettings;
import io.github.dllmquant.methods.gptq.HessianAccumulator;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.ModelConfig;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Quantization time per method (a program, not a test; the figures go to bench/RESULTS.md).
 * <pre>
 *   layers  [tokens]             GPTQ pieces at LLaDA-8B shapes (d 4096, MLP 12288): Hessian accumulation of
 *                                {@code tokens} (default 32768) and Gptq.quantize W4 g128 of each of the 7 linears
 *   block   [windows] [length]   one LLaDA-8B-shaped block (random weights) through the Calibrator with GPTQ
 *                                W4 g128 (defaults 16 x 2048 = 32k tokens): total, per layer, peak heap
 *   bundled [model dir]          every RTN/GPTQ/AWQ recipe on the bundled tiny-llada (128 x 128 calibration)
 * </pre>
 * Run with the launcher's JVM flags, e.g.
 * {@code java --add-modules jdk.incubator.vector -Xmx16g -cp ... io.github.dllmquant.examples.bench.QuantizationTimeBenchmark layers}.
 */
public final class QuantizationTimeBenchmark {

    private QuantizationTimeBenchmark() {
    }

    /** Entry point; see the class comment for the modes. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "layers";
        switch (mode) {
            case "layers" -> layers(args.length > 1 ? Integer.parseInt(args[1]) : 32768);
            case "block" -> block(args.length > 1 ? Integer.parseInt(args[1]) : 16, args.length > 2 ? Integer.parseInt(args[2]) : 2048);
            case "bundled" -> bundled(Path.of(args.length > 1 ? args[1] : "examples/models/tiny-llada"));
            default -> throw new IllegalArgumentException("unknown mode '" + mode + "': layers, block or bundled");
        }
    }

    static void layers(int tokens) {
        int d = 4096;
        int ff = 12288;
        SplittableRandom r = new SplittableRandom(1);
        System.out.printf("GPTQ W4 g128 pieces at LLaDA-8B shapes, %d calibration tokens, %d cores%n", tokens,
                Runtime.getRuntime().availableProcessors());
        double total = 0;
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("qkv (3 x 4096x4096)", new int[]{3 * d, d});
        shapes.put("o (4096x4096)", new int[]{d, d});
        shapes.put("gate/up (2 x 12288x4096)", new int[]{2 * ff, d});
        shapes.put("down (4096x12288)", new int[]{d, ff});
        GptqSettings settings = GptqSettings.of(WeightQuantizer.of(4, 128, true));
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            int out = e.getValue()[0];
            int in = e.getValue()[1];
            long t0 = System.nanoTime();
            HessianAccumulator acc = new HessianAccumulator(in);
            int seq = 2048;
            float[] x = new float[seq * in];
            for (int done = 0; done < tokens; done += seq) {
                for (int k = 0; k < x.length; k++) {
                    x[k] = (float) r.nextGaussian();
                }
                acc.addSequence(x, Math.min(seq, tokens - done));
            }
            float[] H = acc.hessian();
            double hessian = (System.nanoTime() - t0) / 1e9;
            float[] W = new float[out * in];
            for (int k = 0; k < W.length; k++) {
                W[k] = (float) (r.nextGaussian() * 0.02);
            }
            long t1 = System.nanoTime();
            GptqResult result = Gptq.quantize(W, out, in, H, settings);
            double quantize = (System.nanoTime() - t1) / 1e9;
            total += hessian + quantize;
            System.out.printf("  %-26s hessian %6.1f s  gptq %6.1f s  loss %.4g%n", e.getKey(), hessian, quantize, result.loss());
        }
        System.out.printf("  total (no block forwards)  %6.1f s, peak heap %s%n", total, peakHeap());
    }

    static void block(int windows, int length) {
        ModelConfig config = ModelConfig.builder(Architecture.LLADA).hidden(4096).layers(1).heads(32).kvHeads(32)
                .intermediate(12288).vocabSize(1024).maxSequenceLength(Math.max(length, 2048)).build();
        DiffusionLm model = DiffusionLm.random(config, 7);
        SplittableRandom r = new SplittableRandom(3);
        List<int[]> ids = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            ids.add(r.ints(length, 0, 1000).toArray());
        }
        Recipe recipe = Recipe.gptq().scheme("w4a16");
        System.out.printf("GPTQ W4 g128 of one LLaDA-8B-shaped block, %d x %d tokens, %d cores%n", windows, length,
                Runtime.getRuntime().availableProcessors());
        QuantizationReport report = Calibrator.quantize(model, recipe.build(), recipe.toString(), ids, ProgressListener.NONE);
        long layerMillis = 0;
        for (BlockReport b : report.blocks()) {
            for (BlockReport.LayerReport l : b.layers()) {
                System.out.printf("  %-40s %7.1f s  loss %.4g%n", l.name(), l.millis() / 1e3, l.loss());
                layerMillis += l.millis();
            }
        }
        System.out.printf("  GPTQ per-layer total %.1f s; whole run (incl. Hessians and block forwards) %.1f s; peak heap %s%n",
                layerMillis / 1e3, report.millis() / 1e3, peakHeap());
    }

    static void bundled(Path folder) throws Exception {
        Tokenizer tokenizer = Tokenizers.load(folder);
        Calibration calibration = Calibration.defaultCorpus();
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        for (String scheme : new String[]{"w4a16", "w3a16"}) {
            recipes.put("rtn " + scheme, Recipe.rtn().scheme(scheme));
            recipes.put("gptq " + scheme, Recipe.gptq().scheme(scheme));
            recipes.put("awq " + scheme, Recipe.awq().scheme(scheme));
        }
        for (String scheme : new String[]{"w8a8", "w4a8", "w4a4"}) {
            recipes.put("rtn " + scheme, Recipe.rtn().scheme(scheme));
        }
        System.out.printf("quantization time on %s, %s, %d cores%n", folder, calibration, Runtime.getRuntime().availableProcessors());
        for (Map.Entry<String, Recipe> e : recipes.entrySet()) {
            try (DiffusionLm model = DiffusionLm.load(folder)) {
                long t0 = System.nanoTime();
                Calibrator.quantize(model, e.getValue(), calibration, tokenizer::encode, ProgressListener.NONE);
                System.out.printf("  %-12s %6.1f s%n", e.getKey(), (System.nanoTime() - t0) / 1e9);
            }
        }
        System.out.printf("  peak heap %s%n", peakHeap());
    }

    private static String peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return String.format("%.2f GB", peak / 1e9);
    }
}
