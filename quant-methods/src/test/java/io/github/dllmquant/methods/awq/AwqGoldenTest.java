package io.github.dllmquant.methods.awq;

import io.github.dllmquant.core.kernels.VectorWidth;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.synthetic.CountingBlock;
import io.github.dllmquant.methods.synthetic.SyntheticBlock;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins AWQ's output bit for bit: every quantized weight (its dequantized values and format), bias, norm gain
 * and reported clip error of synthetic models, as SHA-256 fingerprints recorded from the whole-block input cache
 * AWQ had before it walked the block with {@code StagedForward} (awq-golden.txt). The cases cover scaled and
 * unscaled (grouped-query v → o) groups, q/k/v biases, W4/W3, an activation-quantized result and a clip sample
 * with stride 2 (more than 1024 calibration tokens), each on the staged walk and on the streaming fallback. Float results depend on the kernels' vector width, so the
 * fingerprints hold for the width they were recorded at ({@code width} in the file); other widths skip.
 */
class AwqGoldenTest {

    static final int TOKENS = 32;

    record Case(String name, SyntheticModel model, LongFunction<Awq> awq, int windows) {
    }

    static List<Case> cases() {
        WeightQuantizer w4g32 = new WeightQuantizer(4, 32, false, WeightQuantizer.Grid.AWQ, false);
        WeightQuantizer w3g16 = new WeightQuantizer(3, 16, false, WeightQuantizer.Grid.AWQ, false);
        WeightQuantizer w4g64 = new WeightQuantizer(4, 64, false, WeightQuantizer.Grid.AWQ, false);
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("mha-w4g32", SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 2, true, 42),
                b -> new Awq(w4g32, null, 20, true, b), 6));
        cases.add(new Case("gqa-w3g16", SyntheticModel.withNormGainOutliers(64, 4, 2, 128, 64, 2, true, 43),
                b -> new Awq(w3g16, null, 20, true, b), 6));
        cases.add(new Case("bias-w4g64-a8", new SyntheticModel(64, 4, 2, 16, 128, 64, 2, true, new int[] {3, 17},
                20f, true, 7), b -> new Awq(w4g64, new ActivationQuantizer(8, true, 1f), 10, true, b), 5));
        cases.add(new Case("stride2-w4g32", SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 1, false, 44),
                b -> new Awq(w4g32, null, 20, true, b), 40));
        cases.add(new Case("noclip-w3g32", SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 1, true, 45),
                b -> new Awq(new WeightQuantizer(3, 32, false, WeightQuantizer.Grid.AWQ, false), null, 20, false, b), 4));
        return cases;
    }

    /**
     * Every case's per-block fingerprints, quantized the way {@link SyntheticModel#quantize} calibrates.
     *
     * @param stageBudget the stage budget of {@link Awq} (0 streams the block per group)
     */
    static Map<String, String> fingerprints(long stageBudget) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Case c : cases()) {
            SyntheticModel m = c.model();
            List<int[]> windows = SyntheticModel.sequences(c.windows(), TOKENS, m.dims().vocab(), 11);
            List<float[]> inputs = new ArrayList<>();
            for (int[] ids : windows) {
                inputs.add(m.embed(ids));
            }
            for (int b = 0; b < m.blockCount(); b++) {
                SyntheticBlock block = m.block(b);
                List<float[]> fp = new ArrayList<>();
                for (float[] x : inputs) {
                    fp.add(block.forward(x, TOKENS, ActivationObserver.NONE));
                }
                BlockReport report = c.awq().apply(stageBudget).quantizeBlock(block, inputs, TOKENS, ProgressListener.NONE);
                out.put(c.name() + " block " + b, fingerprint(block, report));
                inputs = fp;
            }
        }
        return out;
    }

    /** SHA-256 of the block's layers (format, weight and bias bits), norm gains and the report's losses and notes. */
    static String fingerprint(QuantizableBlock block, BlockReport report) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (LinearRole role : LinearRole.values()) {
                Linear l = block.linear(role);
                md.update(l.format().getBytes(StandardCharsets.UTF_8));
                floats(md, l.effectiveWeight());
                if (l.bias() != null) {
                    floats(md, l.bias());
                }
            }
            for (NormRole role : NormRole.values()) {
                floats(md, block.normWeight(role));
            }
            for (BlockReport.LayerReport layer : report.layers()) {
                md.update((layer.name() + "|" + layer.format() + "|" + Double.doubleToRawLongBits(layer.loss()) + "|"
                        + layer.note() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void floats(MessageDigest md, float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length);
        for (float f : v) {
            buf.putInt(Float.floatToRawIntBits(f));
        }
        md.update(buf.array());
    }

    /** The recorded fingerprints, or an empty map when they were recorded at another vector width. */
    static Map<String, String> golden(String resource) throws IOException {
        Map<String, String> golden = new LinkedHashMap<>();
        int width = -1;
        try (InputStream in = AwqGoldenTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("width ")) {
                    width = Integer.parseInt(line.substring(6).trim());
                    continue;
                }
                int eq = line.lastIndexOf(' ');
                golden.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        Assumptions.assumeTrue(width == VectorWidth.BITS,
                "fingerprints recorded at " + width + "-bit vectors, running at " + VectorWidth.BITS);
        return golden;
    }

    @ParameterizedTest(name = "stage budget {0}")
    @ValueSource(longs = {Long.MAX_VALUE, 0})
    void quantizedBlocksMatchTheRecordedFingerprints(long stageBudget) throws IOException {
        Map<String, String> got = fingerprints(stageBudget);
        StringBuilder actual = new StringBuilder("width " + VectorWidth.BITS + "\n");
        got.forEach((k, v) -> actual.append(k).append(' ').append(v).append('\n'));
        System.out.print(actual);
        assertThat(got).as("actual:\n" + actual).containsExactlyEntriesOf(golden("awq-golden.txt"));
    }

    @Test
    void theStagedWalkNeverRunsTheWholeBlockAndSkipsTheLastAdvance() {
        SyntheticModel m = SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 1, true, 42);
        List<float[]> inputs = new ArrayList<>();
        for (int[] ids : SyntheticModel.sequences(3, TOKENS, 64, 11)) {
            inputs.add(m.embed(ids));
        }
        WeightQuantizer grid = new WeightQuantizer(4, 32, false, WeightQuantizer.Grid.AWQ, false);
        CountingBlock staged = new CountingBlock(m.block(0));
        new Awq(grid, null, 4, true, Long.MAX_VALUE).quantizeBlock(staged, inputs, TOKENS, ProgressListener.NONE);
        assertThat(staged.forwards).isZero();
        assertThat(staged.advances).isEqualTo(3 * inputs.size()); // q/k/v, o, gate/up: the down input is the last one

        SyntheticModel m2 = SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 1, true, 42);
        CountingBlock streamed = new CountingBlock(m2.block(0));
        new Awq(grid, null, 4, true, 0).quantizeBlock(streamed, inputs, TOKENS, ProgressListener.NONE);
        assertThat(streamed.advances).isZero();
        assertThat(streamed.forwards).isEqualTo(4 * inputs.size()); // one (partial) forward per group and sequence
    }
}
