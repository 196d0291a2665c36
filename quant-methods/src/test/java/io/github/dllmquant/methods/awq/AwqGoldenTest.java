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
import io.github.dllmquant.methods.synthetic.SyntheticBlock;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

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
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins AWQ's output bit for bit: every quantized weight (its dequantized values and format), bias, norm gain
 * and reported clip error of synthetic models, as SHA-256 fingerprints recorded from the whole-block input cache
 * AWQ had before it walked the block with {@code StagedForward} (awq-golden.txt). The cases cover scaled and
 * unscaled (grouped-query v → o) groups, q/k/v biases, W4/W3, an activation-quantized result and a clip sample
 * with stride 2 (more than 1024 calibration tokens). Float results depend on the kernels' vector width, so the
 * fingerprints hold for the width they were recorded at ({@code width} in the file); other widths skip.
 */
class AwqGoldenTest {

    static final int TOKENS = 32;

    record Case(String name, SyntheticModel model, Awq awq, int windows) {
    }

    static List<Case> cases() {
        WeightQuantizer w4g32 = new WeightQuantizer(4, 32, false, WeightQuantizer.Grid.AWQ, false);
        WeightQuantizer w3g16 = new WeightQuantizer(3, 16, false, WeightQuantizer.Grid.AWQ, false);
        WeightQuantizer w4g64 = new WeightQuantizer(4, 64, false, WeightQuantizer.Grid.AWQ, false);
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("mha-w4g32", SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 2, true, 42),
                new Awq(w4g32, null, 20, true), 6));
        cases.add(new Case("gqa-w3g16", SyntheticModel.withNormGainOutliers(64, 4, 2, 128, 64, 2, true, 43),
                new Awq(w3g16, null, 20, true), 6));
        cases.add(new Case("bias-w4g64-a8", new SyntheticModel(64, 4, 2, 16, 128, 64, 2, true, new int[] {3, 17},
                20f, true, 7), new Awq(w4g64, new ActivationQuantizer(8, true, 1f), 10, true), 5));
        cases.add(new Case("stride2-w4g32", SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 1, false, 44),
                new Awq(w4g32, null, 20, true), 40));
        cases.add(new Case("noclip-w3g32", SyntheticModel.withNormGainOutliers(64, 4, 4, 128, 64, 1, true, 45),
                new Awq(new WeightQuantizer(3, 32, false, WeightQuantizer.Grid.AWQ, false), null, 20, false), 4));
        return cases;
    }

    /** Every case's per-block fingerprints, quantized the way {@link SyntheticModel#quantize} calibrates. */
    static Map<String, String> fingerprints() {
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
                BlockReport report = c.awq().quantizeBlock(block, inputs, TOKENS, ProgressListener.NONE);
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

    @Test
    void quantizedBlocksMatchTheRecordedFingerprints() throws IOException {
        Map<String, String> got = fingerprints();
        StringBuilder actual = new StringBuilder("width " + VectorWidth.BITS + "\n");
        got.forEach((k, v) -> actual.append(k).append(' ').append(v).append('\n'));
        System.out.print(actual);
        assertThat(got).as("actual:\n" + actual).containsExactlyEntriesOf(golden("awq-golden.txt"));
    }
}
