package io.github.dllmquant.runtime.quant;

import io.github.dllmquant.core.kernels.VectorWidth;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.QuantizationReport;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.methods.awq.Awq;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins AWQ W4 and W3 (g128) on the bundled tiny-llada bit for bit: per block a SHA-256 of every layer's format,
 * dequantized weight and bias, the norm gains (which absorb AWQ's scales) and the reported clip errors, recorded
 * from the whole-block input cache AWQ had before it walked the block with {@code StagedForward}
 * (/quant/awq-tiny-llada.txt); W4 also on the streaming fallback (stage budget 0). Float results depend on the kernels' vector width: the fingerprints hold for the
 * width they were recorded at; other widths skip.
 */
class AwqGoldenOnBundledModelTest {

    @Test
    void awqOnTinyLladaMatchesTheRecordedFingerprints() throws Exception {
        Tokenizer tokenizer = Tokenizers.load(BundledModelQuantizationTest.MODEL);
        Calibration calibration = Calibration.defaultCorpus().samples(16);
        Map<String, String> got = new LinkedHashMap<>();
        for (String scheme : new String[] {"w4a16", "w3a16"}) {
            got.putAll(fingerprints(Recipe.awq().scheme(scheme), scheme, tokenizer, calibration));
        }
        StringBuilder actual = new StringBuilder("width " + VectorWidth.BITS + "\n");
        got.forEach((k, v) -> actual.append(k).append(' ').append(v).append('\n'));
        System.out.print(actual);
        Map<String, String> golden = golden();
        assertThat(got).as("actual:\n" + actual).containsExactlyEntriesOf(golden);

        // the streaming fallback (no stages kept: the block re-run per group) gives the same model
        Recipe streaming = Recipe.custom("awq", r -> new Awq(r.weightQuantizer(), r.activationQuantizer(),
                r.awqGridPoints(), r.clipSearch(), 0)).symmetric(false).grid(WeightQuantizer.Grid.AWQ).scheme("w4a16");
        Map<String, String> streamed = fingerprints(streaming, "w4a16", tokenizer, calibration);
        golden.keySet().retainAll(streamed.keySet());
        assertThat(streamed).containsExactlyEntriesOf(golden);
    }

    private static Map<String, String> fingerprints(Recipe recipe, String label, Tokenizer tokenizer,
                                                    Calibration calibration) throws Exception {
        Map<String, String> got = new LinkedHashMap<>();
        try (DiffusionLm model = DiffusionLm.load(BundledModelQuantizationTest.MODEL)) {
            QuantizationReport report = Calibrator.quantize(model, recipe, calibration, tokenizer::encode,
                    ProgressListener.NONE);
            for (int b = 0; b < model.blockCount(); b++) {
                got.put(label + " block " + b, fingerprint(model.block(b), report.blocks().get(b)));
            }
        }
        return got;
    }

    private static Map<String, String> golden() throws Exception {
        Map<String, String> golden = new LinkedHashMap<>();
        int width = -1;
        try (InputStream in = AwqGoldenOnBundledModelTest.class.getResourceAsStream("/quant/awq-tiny-llada.txt")) {
            assertThat(in).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("width ")) {
                    width = Integer.parseInt(line.substring(6).trim());
                    continue;
                }
                int sp = line.lastIndexOf(' ');
                golden.put(line.substring(0, sp), line.substring(sp + 1));
            }
        }
        Assumptions.assumeTrue(width == VectorWidth.BITS,
                "fingerprints recorded at " + width + "-bit vectors, running at " + VectorWidth.BITS);
        return golden;
    }

    private static String fingerprint(QuantizableBlock block, BlockReport report) throws Exception {
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
    }

    private static void floats(MessageDigest md, float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length);
        for (float f : v) {
            buf.putInt(Float.floatToRawIntBits(f));
        }
        md.update(buf.array());
    }
}
