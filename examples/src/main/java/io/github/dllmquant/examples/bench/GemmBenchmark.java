package io.github.dllmquant.examples.bench;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.tensor.Bf16;
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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of the float-activation {@link Linear} kinds ({@code y = x·Wᵀ}); GFLOP/s =
 * {@code 2·m·n·k / (ms·1e6)}. The integer kinds have their own benchmarks (core-int).
 *
 * <pre>
 *   java -cp "examples/target/classes:examples/target/lib/*" org.openjdk.jmh.Main GemmBenchmark \
 *       -p kind=f32,w4a16 -p m=1,32,256 -p n=4096 -p k=4096 [-prof gc]
 * </pre>
 * Forks add the JVM flags the kernels need; {@code -jvmArgsAppend -Ddllmq.vectorBits=256} or
 * {@code -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0} compare widths and bounds checks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class GemmBenchmark {

    /** Layer kind: f32, bf16, w4a16, w3a16, w2a16 (g128) or w8a16 (per channel). */
    @Param({"f32", "bf16", "w4a16"})
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
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * 0.02);
        }
        layer = switch (kind) {
            case "f32" -> DenseLinear.of(w, null, n, k, arena);
            case "bf16" -> {
                MemorySegment segment = arena.allocate(2L * n * k, 64);
                for (int i = 0; i < w.length; i++) {
                    segment.setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.fromFloat(w[i]));
                }
                yield DenseLinear.bf16(segment, null, n, k);
            }
            case "w4a16" -> WeightOnlyLinear.of(quantized(rnd, 4, 128), null, null);
            case "w3a16" -> WeightOnlyLinear.of(quantized(rnd, 3, 128), null, null);
            case "w2a16" -> WeightOnlyLinear.of(quantized(rnd, 2, 128), null, null);
            case "w8a16" -> WeightOnlyLinear.of(quantized(rnd, 8, k), null, null);
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
        x = new float[m * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        y = new float[m * n];
    }

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

    /** Releases the packed weights. */
    @TearDown(Level.Trial)
    public void tearDown() {
        layer = null;
        arena.close();
    }

    /** One forward call; returns the output so JMH consumes it. */
    @Benchmark
    public float[] forward() {
        layer.forward(x, m, y);
        return y;
    }
}
