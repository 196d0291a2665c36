package io.github.dllmquant.runtime.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.dllmquant.core.format.GptqConfig;
import io.github.dllmquant.core.format.GptqFormat;
import io.github.dllmquant.core.format.QuantizedTensors;
import io.github.dllmquant.methods.ColumnPermutation;
import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.io.AtomicFiles;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.runtime.config.Architecture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model (dense or quantized in place) as a folder that {@link DiffusionLm#load} reads back to
 * the same layers: config.json and the tokenizer files copied from the source folder, model.safetensors
 * (dense tensors as BF16 when that is lossless, else F32; quantized linears as packed codes, scales and
 * zeros) and, when any layer is quantized, {@value QuantizationConfig#FILE}.
 *
 * <p>Crash safety ({@link AtomicFiles#replaceDirectory}): everything is written into a temporary folder
 * next to the target ({@code .NAME.tmp-PID-RANDOM}), forced to disk, then renamed into place; an existing
 * target is first renamed aside ({@code .NAME.old-PID-RANDOM}) and deleted only after the new folder is in
 * place (on Linux with native access the two are exchanged in one atomic step instead, and there is no
 * window). A crash leaves the old folder, or the new one, or (between the two renames, a window of two
 * rename calls) no folder under the target's name and the old one under its {@code .old-} name, which the
 * next save to that target renames back before it starts, and which {@link DiffusionLm#load} names when
 * the target is missing. Never a half-written folder under the target's name. Temporary folders of
 * killed saves are removed by the next save to the same target.
 */
final class ModelWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ModelWriter.class);

    /** Side files of a Hugging Face folder that travel with the weights. */
    static final List<String> COPIED_FILES = List.of("tokenizer.json", "tokenizer_config.json", "vocab.json",
            "merges.txt", "special_tokens_map.json", "added_tokens.json", "generation_config.json",
            "chat_template.jinja", "chat_template.json");

    private ModelWriter() {
    }

    static void save(DiffusionLm model, Path target, SaveFormat format) throws IOException {
        Path source = model.folder().orElseThrow(() -> new IllegalStateException(
                "a model built in code has no config.json and tokenizer to save; load it from a folder"));
        Path abs = target.toAbsolutePath().normalize();
        if (abs.equals(source.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("refusing to save over the folder the model was loaded from: " + abs);
        }
        AtomicFiles.replaceDirectory(abs, dir -> writeInto(model, source, dir, format));
        LOG.info("saved {} to {}", model, abs);
    }

    private static void writeInto(DiffusionLm model, Path source, Path dir, SaveFormat format) throws IOException {
        for (String name : COPIED_FILES) {
            Path f = source.resolve(name);
            if (Files.isRegularFile(f)) {
                copyContent(f, dir.resolve(name));
            }
        }
        TensorNames names = TensorNames.of(model.architecture());
        SafeTensorsWriter writer = new SafeTensorsWriter();
        writer.putMetadata("format", "pt");
        Map<String, QuantizationConfig.LayerSpec> quantized = new LinkedHashMap<>();
        // a transform instance shared by several layers (DuQuant's q/k/v) is written once
        Map<InputTransform, String> transforms = new java.util.IdentityHashMap<>();
        GptqLayers gptq = format == SaveFormat.GPTQ ? new GptqLayers() : null;
        int hidden = model.config().hidden();

        float[] embedding = model.embeddings();
        io.github.dllmquant.core.quant.QuantizedWeight quantizedEmbedding = model.quantizedEmbeddings();
        if (quantizedEmbedding == null) {
            addDense(writer, names.embedding(), embedding, model.config().embeddingSize(), hidden);
        } else {
            if (gptq != null) {
                throw new IllegalArgumentException("the GPTQ checkpoint format has no quantized embedding table:"
                        + " save with the native format or keep the embeddings in full precision");
            }
            String prefix = TensorNames.layerPrefix(names.embedding());
            QuantizedTensors.write(writer, prefix, quantizedEmbedding);
            quantized.put(prefix, new QuantizationConfig.LayerSpec(QuantizationConfig.Kind.WEIGHT_ONLY, null, null,
                    java.util.List.of()));
        }
        for (int b = 0; b < model.blockCount(); b++) {
            TransformerBlock block = model.block(b);
            addDense(writer, names.norm(b, NormRole.ATTENTION), block.normWeight(NormRole.ATTENTION), hidden);
            addDense(writer, names.norm(b, NormRole.FFN), block.normWeight(NormRole.FFN), hidden);
            for (LinearRole role : LinearRole.values()) {
                addLinear(writer, quantized, transforms, gptq, block.name(role), block.linear(role));
            }
        }
        addDense(writer, names.finalNorm(), model.finalNormWeight(), hidden);
        // a tied head stays tied only while it is still exactly the dense embedding table
        boolean tied = quantizedEmbedding == null && model.config().tiedEmbeddings() && model.lmHead() instanceof DenseLinear head
                && head.bias() == null && java.util.Arrays.equals(head.effectiveWeight(), embedding);
        if (!tied) {
            addLinear(writer, quantized, transforms, gptq, names.lmHead(), model.lmHead());
        }
        writeConfig(source.resolve("config.json"), dir.resolve("config.json"), model.architecture(),
                model.config().tiedEmbeddings() && !tied);
        if (!quantized.isEmpty()) {
            QuantizationConfig.write(quantized, dir.resolve(QuantizationConfig.FILE));
        }
        if (gptq != null) {
            gptq.config().write(dir);
        }
        writer.write(dir.resolve(SafeTensors.MODEL_FILE));
    }

    /** Copies the bytes only: the copy is a new file with default permissions, like every other file of the folder. */
    private static void copyContent(Path from, Path to) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(from)) {
            Files.copy(in, to);
        }
    }

    /** Copies config.json, turning weight tying off when the saved head is no longer the embedding. */
    private static void writeConfig(Path from, Path to, Architecture architecture, boolean untie) throws IOException {
        if (!untie) {
            copyContent(from, to);
            return;
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(Files.readString(from));
        root.put(architecture == Architecture.LLADA ? "weight_tying" : "tie_word_embeddings", false);
        Files.writeString(to, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private static void addLinear(SafeTensorsWriter writer, Map<String, QuantizationConfig.LayerSpec> quantized,
                                  Map<InputTransform, String> transforms, GptqLayers gptq, String name, Linear linear) {
        int out = linear.outFeatures();
        int in = linear.inFeatures();
        if (gptq != null && !(linear instanceof DenseLinear)) {
            gptq.add(writer, name, linear);
            return;
        }
        // outer transforms (TransformedLinear), outermost first
        List<JsonNode> wrappers = new ArrayList<>();
        Linear base = linear;
        while (base instanceof TransformedLinear t) {
            wrappers.add(TransformCodec.write(t.transform(), name + ".wrap" + wrappers.size(), writer, name, transforms));
            base = t.inner();
        }
        if (base.bias() != null) {
            writer.addF32(name + ".bias", new long[] {out}, base.bias());
        }
        if (base instanceof DenseLinear) {
            addDense(writer, name + ".weight", base.effectiveWeight(), out, in);
            if (!wrappers.isEmpty()) {
                quantized.put(name, new QuantizationConfig.LayerSpec(QuantizationConfig.Kind.DENSE, null, null, wrappers));
            }
            return;
        }
        QuantizedWeight w;
        ActivationQuantizer aq = null;
        InputTransform own;
        if (base instanceof WeightOnlyLinear wo) {
            w = wo.quantizedWeight();
            own = wo.transform();
        } else if (base instanceof ActivationQuantizedLinear aql) {
            w = aql.weight();
            aq = aql.activationQuantizer();
            own = aql.transform();
        } else {
            throw new IllegalArgumentException("layer " + name + ": cannot save a " + base.getClass().getSimpleName()
                    + " (" + base.format() + "); supported: DenseLinear, WeightOnlyLinear, ActivationQuantizedLinear,"
                    + " TransformedLinear over them");
        }
        JsonNode ownNode = own == null ? null : TransformCodec.write(own, name + ".transform", writer, name, transforms);
        QuantizedTensors.write(writer, name, w);
        quantized.put(name, new QuantizationConfig.LayerSpec(aq == null ? QuantizationConfig.Kind.WEIGHT_ONLY
                : QuantizationConfig.Kind.ACTIVATION_QUANTIZED, aq, ownNode, wrappers));
    }

    /**
     * The GPTQ checkpoint layout (AutoGPTQ names, quantize_config.json): weight-only layers, optionally
     * behind a column permutation (act-order), all with the same bits, group size and symmetry.
     */
    private static final class GptqLayers {
        private int bits = -1;
        private int groupSize;
        private boolean symmetric;
        private boolean descAct;

        void add(SafeTensorsWriter writer, String name, Linear linear) {
            if (!(linear instanceof WeightOnlyLinear wo)
                    || (wo.transform() != null && !(wo.transform() instanceof ColumnPermutation))) {
                throw new IllegalArgumentException("layer " + name + " (" + linear.format() + ", "
                        + linear.getClass().getSimpleName() + ") cannot be written in the GPTQ format, which holds"
                        + " dense and weight-only layers (with an optional act-order permutation); use the native format");
            }
            QuantizedWeight q = wo.quantizedWeight();
            int g = q.perChannel() ? -1 : q.groupSize();
            if (bits == -1) {
                bits = q.bits();
                groupSize = g;
                symmetric = q.symmetric();
            } else if (bits != q.bits() || groupSize != g || symmetric != q.symmetric()) {
                throw new IllegalArgumentException("layer " + name + " is " + q.bits() + "-bit, group " + g
                        + (q.symmetric() ? ", symmetric" : ", asymmetric") + " but earlier layers are " + bits
                        + "-bit, group " + groupSize + (symmetric ? ", symmetric" : ", asymmetric")
                        + ": one GPTQ checkpoint has one setting; use the native format");
            }
            int[] perm = wo.transform() == null ? null : ((ColumnPermutation) wo.transform()).permutation();
            descAct |= perm != null;
            GptqFormat.write(writer, name, q, perm, config().checkpointFormat());
            if (wo.bias() != null) {
                writer.addF32(name + ".bias", new long[] {q.out()}, wo.bias());
            }
        }

        GptqConfig config() {
            if (bits == -1) {
                throw new IllegalArgumentException("the model has no quantized layer to write in the GPTQ format");
            }
            // damping is not recorded by the layers; 0.01 is the reference default
            return GptqConfig.of(bits, groupSize, symmetric, descAct, 0.01);
        }
    }

    /** A dense tensor, as BF16 when every value is exactly a BF16 (a loaded BF16 checkpoint), else F32. */
    private static void addDense(SafeTensorsWriter writer, String name, float[] values, long... shape) {
        boolean bf16 = true;
        for (float v : values) {
            if ((Float.floatToRawIntBits(v) & 0xFFFF) != 0) {
                bf16 = false;
                break;
            }
        }
        if (bf16) {
            writer.addBf16(name, shape, values);
        } else {
            writer.addF32(name, shape, values);
        }
    }

}
