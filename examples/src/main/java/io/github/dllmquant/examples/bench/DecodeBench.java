package io.github.dllmquant.examples.bench;

import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.examples.study.Evaluator;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.config.ModelConfig;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.sampling.CacheMode;
import io.github.dllmquant.runtime.sampling.CacheRefresh;
import io.github.dllmquant.runtime.sampling.CachedLogits;
import io.github.dllmquant.runtime.sampling.CancellationToken;
import io.github.dllmquant.runtime.sampling.GenerationCancelledException;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.LogitsFunction;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.sampling.StepEvent;
import io.github.dllmquant.runtime.sampling.UnmaskPolicy;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The fast-decoding benchmark (issue 7): LLaDA generation of {@value #GEN_LENGTH} tokens in blocks of
 * {@value #BLOCK_LENGTH} after a {@value #PROMPT_LENGTH}-token prompt, one token per step for the fixed
 * schedule ({@value #GEN_LENGTH} steps, greedy, low-confidence remasking), in six variants: vanilla,
 * threshold 0.9 only, prefix cache, dual cache, threshold 0.9 + dual cache (these with the samplers' default
 * {@link CacheRefresh}), and threshold 0.9 + dual cache refreshed only when a block starts (Fast-dLLM's
 * original policy, for comparison). Each runs on FP, W4A16
 * (GPTQ, g128) and W8A8 (SmoothQuant) weights of the bundled tiny-llada and of the random-weight ~1 B
 * LLaDA-shaped model ({@link DiffusionLm#benchmarkConfig1B()}). Reported: generated tokens per second,
 * forward passes (full-sequence and partial, cached), the speed-up over vanilla measured in the same run,
 * and how many generated tokens equal vanilla's.
 *
 * <p>tiny-llada generates all {@value #GEN_LENGTH} tokens. On the 1 B shape a vanilla step is a full
 * forward of {@value #PROMPT_LENGTH} + {@value #GEN_LENGTH} tokens (seconds each), so only the first
 * {@code bigBlocks} blocks are timed (generation is stopped when they are complete): vanilla, threshold
 * and dual blocks all cost the same (same sequence length, same rows per pass), while the prefix cache's
 * first block is its costliest (it recomputes the block and everything after it). The 1 B model is
 * quantized on a few short random calibration sequences (the kernels' speed does not depend on them).
 *
 * <p>Writes one section of {@code bench/RESULTS.md} per scheme ({@code decodebench-fp}, ...), each with the
 * machine line and the command, so the schemes may be run (and re-run) separately.
 */
public final class DecodeBench {

    /** Prompt tokens (BOS + corpus text for tiny-llada, random ids for the 1 B model). */
    public static final int PROMPT_LENGTH = 64;
    /** Generated tokens. */
    public static final int GEN_LENGTH = 256;
    /** Semi-autoregressive block length. */
    public static final int BLOCK_LENGTH = 32;
    /** Confidence threshold of the parallel-decoding variants. */
    public static final double THRESHOLD = 0.9;
    /** The target: threshold + dual cache at least this many times vanilla's tokens/s. */
    public static final double TARGET_SPEEDUP = 5.0;
    /** Weight schemes measured, in order. */
    public static final List<String> SCHEMES = List.of("fp", "w4a16", "w8a8");

    /** The decoding variants, in report order (vanilla first: the ratios are against it). */
    public enum Variant {
        /** Fixed schedule, no cache. */
        VANILLA("vanilla", UnmaskPolicy.fixed(), CacheMode.NONE, null),
        /** Confidence-threshold parallel decoding, no cache. */
        THRESHOLD("threshold " + DecodeBench.THRESHOLD, UnmaskPolicy.threshold(DecodeBench.THRESHOLD), CacheMode.NONE,
                null),
        /** Fixed schedule with a prefix cache. */
        PREFIX("prefix cache", UnmaskPolicy.fixed(), CacheMode.PREFIX, null),
        /** Fixed schedule with a dual cache. */
        DUAL("dual cache", UnmaskPolicy.fixed(), CacheMode.DUAL, null),
        /** Threshold parallel decoding with a dual cache. */
        THRESHOLD_DUAL("threshold " + DecodeBench.THRESHOLD + " + dual cache", UnmaskPolicy.threshold(DecodeBench.THRESHOLD),
                CacheMode.DUAL, null),
        /** Threshold parallel decoding with a dual cache refreshed only when a block starts (Fast-dLLM's policy). */
        THRESHOLD_DUAL_PER_BLOCK("threshold " + DecodeBench.THRESHOLD + " + dual cache, refresh per block",
                UnmaskPolicy.threshold(DecodeBench.THRESHOLD), CacheMode.DUAL, CacheRefresh.perBlock());

        private final String label;
        private final UnmaskPolicy policy;
        private final CacheMode cache;
        private final CacheRefresh refresh; // null: the samplers' default

        Variant(String label, UnmaskPolicy policy, CacheMode cache, CacheRefresh refresh) {
            this.label = label;
            this.policy = policy;
            this.cache = cache;
            this.refresh = refresh;
        }

        /** Its name in the report. */
        public String label() {
            return label;
        }

        /** Its sampling settings for {@code genLength} tokens. */
        public LladaSampling sampling(int genLength) {
            LladaSampling.Builder b = Sampling.llada().steps(genLength).genLength(genLength).blockLength(BLOCK_LENGTH)
                    .temperature(0).unmaskPolicy(policy).cache(cache).seed(0);
            return refresh == null ? b.build() : b.cacheRefresh(refresh).build();
        }
    }

    /**
     * Benchmark settings.
     *
     * @param tinyFolder the bundled tiny-llada folder (its corpus is {@code ../../data/tiny_shakespeare.txt})
     * @param quick      a smoke run: {@value #BLOCK_LENGTH}·2 generated tokens on tiny-llada and a 4-layer
     *                   {@code d_model} 512 model instead of the 1 B one (not the target's figures)
     * @param bigBlocks  blocks timed on the big model (1..{@value #GEN_LENGTH}/{@value #BLOCK_LENGTH})
     * @param schemes    a subset of {@link #SCHEMES}
     * @param big        whether to run the big model at all
     * @param results    Markdown file whose decode section is replaced, or null to write nothing
     */
    public record Options(Path tinyFolder, boolean quick, int bigBlocks, List<String> schemes, boolean big, Path results) {
        public Options {
            if (tinyFolder == null) {
                throw new IllegalArgumentException("tinyFolder must be set");
            }
            if (bigBlocks < 1 || bigBlocks > GEN_LENGTH / BLOCK_LENGTH) {
                throw new IllegalArgumentException("bigBlocks must be in 1.." + GEN_LENGTH / BLOCK_LENGTH + ", got " + bigBlocks);
            }
            schemes = List.copyOf(schemes);
            for (String s : schemes) {
                if (!SCHEMES.contains(s)) {
                    throw new IllegalArgumentException("unknown scheme '" + s + "', known: " + String.join(", ", SCHEMES));
                }
            }
        }

        /** Generated tokens per run ({@value #GEN_LENGTH}; quick runs 64). */
        public int genLength() {
            return quick ? 2 * BLOCK_LENGTH : GEN_LENGTH;
        }
    }

    /**
     * One measured generation.
     *
     * @param model          model label
     * @param scheme         fp, w4a16 or w8a8
     * @param variant        the decoding variant
     * @param blocks         blocks timed
     * @param tokens         tokens generated in the timed blocks
     * @param seconds        wall time of those blocks
     * @param fullPasses     full-sequence forward passes (cache refreshes included)
     * @param partialPasses  cached passes over some rows only
     * @param refreshPasses  partial refreshes inside a block (rows up to the block's end recomputed, their K/V renewed)
     * @param matchesVanilla generated tokens equal to the vanilla run's at the same position
     * @param speedup        tokens/s over the vanilla run of the same model and scheme
     */
    public record Row(String model, String scheme, Variant variant, int blocks, int tokens, double seconds,
                      int fullPasses, int partialPasses, int refreshPasses, int matchesVanilla, double speedup) {
        /** Generated tokens per second. */
        public double tokensPerSecond() {
            return tokens / seconds;
        }

        /** All forward passes (a partial pass or refresh counts as one). */
        public int forwardPasses() {
            return fullPasses + partialPasses + refreshPasses;
        }
    }

    private DecodeBench() {
    }

    /**
     * Command line entry: {@code [--quick] [--results FILE | --no-write] [--tiny DIR] [--big-blocks N]
     * [--schemes fp,w4a16,w8a8] [--no-big]}.
     */
    public static void main(String[] args) throws IOException {
        Path tiny = Path.of("examples", "models", "tiny-llada");
        Path results = Path.of("bench", "RESULTS.md");
        boolean quick = false;
        boolean big = true;
        int bigBlocks = 1;
        List<String> schemes = SCHEMES;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--no-write" -> results = null;
                case "--results" -> results = Path.of(args[++i]);
                case "--tiny" -> tiny = Path.of(args[++i]);
                case "--big-blocks" -> bigBlocks = Integer.parseInt(args[++i]);
                case "--schemes" -> schemes = List.of(args[++i].split(","));
                case "--no-big" -> big = false;
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "' (see the DecodeBench javadoc)");
            }
        }
        run(new Options(tiny, quick, bigBlocks, schemes, big, results), System.out);
    }

    /**
     * Runs every scheme, model and variant, prints each row as it is measured and, if asked, writes one
     * section per scheme ({@code decodebench-fp}, {@code decodebench-w4a16}, {@code decodebench-w8a8}) as soon
     * as that scheme is done, so a run of some schemes replaces only theirs.
     */
    public static List<Row> run(Options options, PrintStream out) throws IOException {
        String machine = KernelBench.machineLine();
        out.println(machine);
        List<Row> rows = new ArrayList<>();
        int gen = options.genLength();
        Tokenizer tokenizer = Tokenizers.load(options.tinyFolder());
        int[] tinyPrompt = tinyPrompt(options.tinyFolder(), tokenizer);
        ModelConfig config = options.quick() ? ForwardBench.quickConfig() : DiffusionLm.benchmarkConfig1B();
        String label = String.format(Locale.ROOT, "random LLaDA d_model %d, %d layers, MLP %d%s", config.hidden(),
                config.layers(), config.intermediate(), options.quick() ? " (quick)" : " (~1B)");
        int[] bigPrompt = randomIds(PROMPT_LENGTH, config.vocabSize() - 8, 17); // below the special ids
        for (String scheme : options.schemes()) {
            List<Row> schemeRows = new ArrayList<>();
            try (DiffusionLm tiny = DiffusionLm.load(options.tinyFolder())) {
                if (!scheme.equals("fp")) {
                    Calibrator.quantize(tiny, recipe(scheme), Calibration.defaultCorpus().samples(16), tokenizer::encode,
                            ProgressListener.NONE);
                }
                schemeRows.addAll(measure(tiny, "tiny-llada", scheme, tinyPrompt, gen, gen / BLOCK_LENGTH, out));
            }
            if (options.big()) {
                out.println("building " + label + ", " + scheme + " ...");
                try (DiffusionLm big = DiffusionLm.random(config, 2026)) {
                    if (!scheme.equals("fp")) {
                        long t0 = System.nanoTime();
                        List<int[]> calibration = new ArrayList<>();
                        for (int s = 0; s < 4; s++) {
                            calibration.add(randomIds(64, config.vocabSize() - 8, 100 + s));
                        }
                        Recipe recipe = recipe(scheme);
                        Calibrator.quantize(big, recipe.build(), recipe.toString(), calibration, ProgressListener.NONE);
                        out.printf(Locale.ROOT, "  quantized (%s) in %.1f s%n", recipe, (System.nanoTime() - t0) / 1e9);
                    }
                    schemeRows.addAll(measure(big, label, scheme, bigPrompt, gen, options.quick() ? 1 : options.bigBlocks(),
                            out));
                }
            }
            String command = "java ... io.github.dllmquant.examples.bench.DecodeBench --schemes " + scheme
                    + (options.quick() ? " --quick" : "") + (options.bigBlocks() != 1 ? " --big-blocks " + options.bigBlocks() : "")
                    + (options.big() ? "" : " --no-big") + " (all schemes: ./dllmq bench --only decode)";
            String section = section(machine, command, scheme, options, schemeRows);
            out.print(section);
            if (options.results() != null) {
                ResultsSection.write(options.results(), ResultsSection.begin("decodebench-" + scheme, "DecodeBench"),
                        ResultsSection.end("decodebench-" + scheme), section);
                out.println("wrote the decodebench-" + scheme + " section of " + options.results());
            }
            rows.addAll(schemeRows);
        }
        return rows;
    }

    /** GPTQ W4 g128 for w4a16, SmoothQuant for w8a8. */
    static Recipe recipe(String scheme) {
        return switch (scheme) {
            case "w4a16" -> Recipe.gptq().scheme("w4a16");
            case "w8a8" -> Recipe.smoothQuant().scheme("w8a8");
            default -> throw new IllegalArgumentException("no recipe for scheme '" + scheme + "'");
        };
    }

    /** Every variant on one model, vanilla first; a short warm-up generation (vanilla and dual) before. */
    private static List<Row> measure(DiffusionLm model, String label, String scheme, int[] prompt, int gen, int blocks,
                                     PrintStream out) {
        int mask = model.config().maskTokenId();
        LogitsFunction function = model.asLogitsFunction();
        // JIT warm-up of this model's kernels at the benchmark's sequence length: one full and one cached pass,
        // reading the block's rows as the samplers do
        int[] warm = Arrays.copyOf(prompt, prompt.length + gen);
        Arrays.fill(warm, prompt.length, warm.length, mask);
        int[] block = new int[BLOCK_LENGTH];
        Arrays.setAll(block, i -> prompt.length + i);
        for (int i = 0; i < 2; i++) {
            CachedLogits cache = function.startCache(warm);
            cache.logitsOfRows(warm.length, block);
            cache.logits(warm, prompt.length, prompt.length + BLOCK_LENGTH, block);
        }
        List<Row> rows = new ArrayList<>();
        int[] vanillaTokens = null;
        double vanillaTps = 0;
        for (Variant variant : Variant.values()) {
            Timed timed = generate(function, variant.sampling(gen), mask, prompt, blocks);
            if (variant == Variant.VANILLA) {
                vanillaTokens = timed.tokens;
                vanillaTps = timed.count() / timed.seconds;
            }
            int same = 0;
            for (int i = 0; i < timed.tokens.length; i++) {
                same += timed.tokens[i] == vanillaTokens[i] ? 1 : 0;
            }
            Row row = new Row(label, scheme, variant, blocks, timed.count(), timed.seconds, timed.passes.full(),
                    timed.passes.partial(), timed.passes.refresh(), same, timed.count() / timed.seconds / vanillaTps);
            rows.add(row);
            out.printf(Locale.ROOT, "%s %s %-28s %3d tokens in %7.2f s: %8.1f tok/s, %3d passes (%d full, %d refresh), %.2fx vanilla, %d/%d = vanilla%n",
                    label, scheme, variant.label(), row.tokens(), row.seconds(), row.tokensPerSecond(), row.forwardPasses(),
                    row.fullPasses(), row.refreshPasses(), row.speedup(), row.matchesVanilla(), row.tokens());
        }
        return rows;
    }

    /** A generation's timed part: the tokens of its first blocks and the passes they took. */
    private record Timed(int[] tokens, double seconds, PassCounter passes) {
        int count() {
            return tokens.length;
        }
    }

    /**
     * Generates with {@code sampling}, stopping once the first {@code blocks} blocks are complete (the
     * sampler checks the cancellation before each forward pass, so no pass of a later block runs).
     */
    private static Timed generate(LogitsFunction model, LladaSampling sampling, int mask, int[] prompt, int blocks) {
        PassCounter passes = new PassCounter();
        LogitsFunction counted = passes.wrap(model);
        int wanted = blocks * BLOCK_LENGTH;
        int[] tokens = new int[wanted];
        Arrays.fill(tokens, mask);
        int[] done = new int[1];
        long[] end = new long[1];
        CancellationToken cancel = new CancellationToken();
        long start = System.nanoTime();
        try {
            sampling.newSampler(mask).sample(counted, prompt, (StepEvent e) -> {
                int[] positions = e.positions();
                int[] written = e.tokens();
                for (int i = 0; i < positions.length; i++) {
                    int g = positions[i] - prompt.length;
                    if (g >= 0 && g < wanted) {
                        tokens[g] = written[i];
                        done[0]++;
                    }
                }
                if (done[0] == wanted && end[0] == 0) {
                    end[0] = System.nanoTime();
                    cancel.cancel();
                }
            }, cancel);
        } catch (GenerationCancelledException stopped) {
            // the timed blocks are complete
        }
        long stop = end[0] != 0 ? end[0] : System.nanoTime();
        return new Timed(tokens, (stop - start) / 1e9, passes);
    }

    /** BOS + the first {@value #PROMPT_LENGTH}−1 tokens of the held-out part of the bundled corpus. */
    private static int[] tinyPrompt(Path tinyFolder, Tokenizer tokenizer) throws IOException {
        Path corpus = tinyFolder.resolve("../../data/tiny_shakespeare.txt").normalize();
        if (!Files.isRegularFile(corpus)) {
            throw new IOException("the bundled corpus " + corpus + " is missing (expected next to the bundled model)");
        }
        int[] window = Evaluator.heldOutWindows(tokenizer.encode(Files.readString(corpus)), 1).getFirst();
        int[] prompt = new int[PROMPT_LENGTH];
        try (DiffusionLm probe = DiffusionLm.load(tinyFolder)) {
            prompt[0] = probe.config().bosTokenId();
        }
        System.arraycopy(window, 0, prompt, 1, PROMPT_LENGTH - 1);
        return prompt;
    }

    private static int[] randomIds(int n, int bound, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(bound);
        }
        return ids;
    }

    private static String section(String machine, String command, String scheme, Options options, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("### DecodeBench, ").append(scheme).append(", run of ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append("\n\n");
        sb.append("Machine: ").append(machine).append("  \n");
        sb.append("Command: `").append(command).append("`  \n");
        sb.append(String.format(Locale.ROOT, "Protocol: LLaDA sampling of %d tokens after a %d-token prompt, block length %d, "
                        + "steps = %d (one token per step on the fixed schedule), greedy, low-confidence remasking; "
                        + "threshold %.1f; the cache is built by the full pass that starts each block, and (except in the "
                        + "'refresh per block' row) renewed inside the block by the samplers' default policy " + CacheRefresh.standard().spelling()
                        + " (rows up to the block's end recomputed once half a block was committed since the last refresh). tiny-llada: "
                        + "prompt = BOS + held-out corpus text, all %d blocks timed. Big model: random prompt, only the first %d "
                        + "block(s) timed (vanilla, threshold and dual blocks cost the same at every block; the prefix "
                        + "cache's first block is its costliest, so its figure understates a whole run). W4A16 = GPTQ "
                        + "W4 g128, W8A8 = SmoothQuant (tiny-llada calibrated on 16 corpus windows, the big model on 4 "
                        + "random sequences of 64 tokens). Passes = all forwards (full: whole sequence; refresh: rows up to the block's end; "
                        + "the others: cached rows only); \"= vanilla\" counts "
                        + "generated tokens equal to the vanilla run's. One run each, wall time.%n%n",
                options.genLength(), PROMPT_LENGTH, BLOCK_LENGTH, options.genLength(), THRESHOLD,
                options.genLength() / BLOCK_LENGTH, options.quick() ? 1 : options.bigBlocks()));
        sb.append("| model | scheme | variant | tokens timed | s | tokens/s | passes (full, refresh) | vs vanilla | = vanilla |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.2f | %.1f | %d (%d, %d) | %.2fx | %d/%d |%n",
                    r.model(), r.scheme(), r.variant().label(), r.tokens(), r.seconds(), r.tokensPerSecond(),
                    r.forwardPasses(), r.fullPasses(), r.refreshPasses(), r.speedup(), r.matchesVanilla(), r.tokens()));
        }
        sb.append('\n');
        for (Row r : rows) {
            if (r.variant() == Variant.THRESHOLD_DUAL) {
                sb.append(String.format(Locale.ROOT, "- %s %s: threshold + dual cache %.2fx vanilla (target >= %.0fx: %s)%n",
                        r.model(), r.scheme(), r.speedup(), TARGET_SPEEDUP, r.speedup() >= TARGET_SPEEDUP ? "met" : "NOT met"));
            }
        }
        return sb.toString();
    }
}
