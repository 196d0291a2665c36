package io.github.dllmquant.examples.cli;

import io.github.dllmquant.examples.bench.ForwardBench;
import io.github.dllmquant.examples.bench.KernelBench;
import io.github.dllmquant.examples.bench.QuantizationTimeBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code dllmq bench}: the benchmarks in one command — kernels ({@link KernelBench}), the forward pass
 * ({@link ForwardBench}), quantization time ({@link QuantizationTimeBenchmark}) and, once it exists,
 * decoding ({@code io.github.dllmquant.examples.bench.DecodeBench}). Kernel and forward figures replace
 * their own sections of {@code bench/RESULTS.md} (or of {@code --results FILE}).
 */
@Command(name = "bench", description = "Benchmarks: kernels (GFLOP/s), forward pass (ms, full/GEMM overhead), "
        + "quantization time, decoding; writes their sections of bench/RESULTS.md.")
public final class BenchCommand implements Callable<Integer> {

    /** The benchmark names {@code --only} accepts, in run order. */
    static final List<String> ALL = List.of("kernels", "forward", "quantize", "decode");
    private static final String DECODE_BENCH = "io.github.dllmquant.examples.bench.DecodeBench";

    @Option(names = "--only", paramLabel = "LIST", split = ",",
            description = "Run only these, comma-separated: kernels, forward, quantize, decode (default: all).")
    List<String> only;

    @Option(names = "--quick", description = "Small shapes and short timing budgets (smoke run; not the target figures).")
    boolean quick;

    @Option(names = "--results", paramLabel = "FILE",
            description = "Markdown file whose benchmark sections are replaced (default: bench/RESULTS.md of the project).")
    Path results;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Set<String> chosen = new LinkedHashSet<>(only == null || only.isEmpty() ? ALL : only);
        for (String name : chosen) {
            if (!ALL.contains(name)) {
                throw new ParameterException(spec.commandLine(), "unknown benchmark '" + name + "' in --only, known: "
                        + String.join(", ", ALL));
            }
        }
        Path home = Bundled.home();
        Path file = results != null ? results : home.resolve("bench").resolve("RESULTS.md");
        PrintWriter out = spec.commandLine().getOut();
        try (PrintStream stream = linesTo(out)) {
            for (String name : ALL) {
                if (!chosen.contains(name)) {
                    continue;
                }
                out.println("== " + name);
                out.flush();
                switch (name) {
                    case "kernels" -> KernelBench.run(quick
                            ? new KernelBench.Options(new int[]{1, 32}, 1024, 0.2, KernelBench.ALL_KINDS, file)
                            : KernelBench.Options.defaults(file), stream);
                    case "forward" -> ForwardBench.run(new ForwardBench.Options(ModelFolder.bundled(), quick, file), stream);
                    case "quantize" -> {
                        // QuantizationTimeBenchmark has only its main entry; it prints to System.out
                        String tiny = ModelFolder.bundled().toString();
                        QuantizationTimeBenchmark.main(new String[]{"bundled", tiny});
                        if (!quick) {
                            QuantizationTimeBenchmark.main(new String[]{"layers"});
                        }
                        System.out.flush();
                    }
                    case "decode" -> runDecode(out, file);
                    default -> throw new IllegalStateException(name);
                }
                stream.flush();
            }
        }
        return 0;
    }

    private void runDecode(PrintWriter out, Path file) throws Exception {
        Class<?> decode;
        try {
            decode = Class.forName(DECODE_BENCH);
        } catch (ClassNotFoundException e) {
            out.println("decode benchmark: not available yet (" + DECODE_BENCH + " is not on main)");
            return;
        }
        Method main = decode.getMethod("main", String[].class);
        List<String> args = new java.util.ArrayList<>(List.of("--tiny", ModelFolder.bundled().toString(),
                "--results", file.toString()));
        if (quick) {
            args.add("--quick");
        }
        try {
            main.invoke(null, (Object) args.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        System.out.flush();
    }

    /** A PrintStream that hands each flushed chunk (println flushes) to {@code out}. */
    private static PrintStream linesTo(PrintWriter out) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream() {
            @Override
            public synchronized void flush() {
                out.print(toString(StandardCharsets.UTF_8));
                out.flush();
                reset();
            }
        };
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }
}
