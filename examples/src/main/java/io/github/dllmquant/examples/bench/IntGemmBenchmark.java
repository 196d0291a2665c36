package io.github.dllmquant.examples.bench;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of the weight+activation quantized layers ({@link ActivationQuantizedLinear}: per-token
 * activation quantization plus the integer GEMM) next to the F32 {@link DenseLinear} in the same run;
 * GFLOP/s = {@code 2·m·n·k / (ms·1e6)}.
 *
 * <pre>
 *   java -cp "examples/target/classes:examples/target/lib/*" org.openjdk.jmh.Main IntGemmBenchmark \
 *       -p kind=f32,w8a8,w4a8 -p m=1,32,256 [-prof gc]
 * </pre>
 * Kinds: {@code f32}; {@code w8a8} (per-channel int8 weights, symmetric int8 activations);
 * {@code w8a8-g128}; {@code w4a8} and {@code w4a4} (4-bit weights in groups of 128, symmetric
 * activations); {@code w4a8-pc} (4-bit per channel); {@code w8a8-asym} (asymmetric activations, so
 * both operands reach −128 and the int16 pair sums are off).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class IntGemmBenchmark {

    /** Layer kind (see the class comment). */
    @Param({"f32", "w8a8", "w8a8-g128", "w4a8", "w4a8-pc", "w4a4"})
    public String kind;

    /** Tokens. */
    @Param({"1", "32", "256"})
    public int m;

    /** Output features. */
    @Param({"4096"})
    public int n;

    /** Input features. */
    @Param({"4096"})
    public int k;

    private Arena arena;
    private Linear layer;
    private float[] x;
    private float[] y;

    /** Builds the layer and the activations once per trial. */
    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(1);
        arena = Arena.ofShared();
        layer = switch (kind) {
            case "f32" -> {
                float[] w = new float[n * k];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (rnd.nextGaussian() * 0.02);
                }
                yield DenseLinear.of(w, null, n, k, arena);
            }
            case "w8a8" -> ActivationQuantizedLinear.of(quantized(rnd, 8, k), null, ActivationQuantizer.symmetric(8), null);
            case "w8a8-g128" -> ActivationQuantizedLinear.of(quantized(rnd, 8, 128), null, ActivationQuantizer.symmetric(8), null);
            case "w8a8-asym" -> ActivationQuantizedLinear.of(quantized(rnd, 8, k), null, ActivationQuantizer.asymmetric(8), null);
            case "w4a8" -> ActivationQuantizedLinear.of(quantized(rnd, 4, 128), null, ActivationQuantizer.symmetric(8), null);
            case "w4a8-pc" -> ActivationQuantizedLinear.of(quantized(rnd, 4, k), null, ActivationQuantizer.symmetric(8), null);
            case "w4a4" -> ActivationQuantizedLinear.of(quantized(rnd, 4, 128), null, ActivationQuantizer.symmetric(4), null);
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
        x = new float[m * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        y = new float[m * n];
    }

    /** Random codes covering the whole grid (so 8-bit weights include −128 after centring). */
    private QuantizedWeight quantized(Random rnd, int bits, int groupSize) {
        byte[] codes = new byte[n * k];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) rnd.nextInt(1 << bits);
        }
        int groups = k / groupSize;
        float[] scales = new float[n * groups];
        Arrays.fill(scales, 0.01f);
        float[] zeros = new float[n * groups];
        Arrays.fill(zeros, 1 << (bits - 1));
        return new QuantizedWeight(n, k, bits, groupSize, true, codes, scales, zeros);
    }

    /** Releases the F32 weights' arena. */
    @TearDown(Level.Trial)
    public void tearDown() {
        layer = null;
        arena.close();
    }

    /** One forward call (activation quantization included); returns the output so JMH consumes it. */
    @Benchmark
    public float[] forward() {
        layer.forward(x, m, y);
        return y;
    }
}
