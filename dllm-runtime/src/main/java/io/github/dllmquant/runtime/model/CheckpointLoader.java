package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.RopeTable;
import io.github.dllmquant.core.format.GptqConfig;
import io.github.dllmquant.core.format.GptqFormat;
import io.github.dllmquant.core.format.QuantizedTensors;
import io.github.dllmquant.methods.ColumnPermutation;
import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.io.AtomicFiles;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.safetensors.SafeTensors;
import io.github.dllmquant.core.safetensors.TensorSource;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.NormRole;
import io.github.dllmquant.core.tensor.DType;
import io.github.dllmquant.core.tensor.TensorView;
import io.github.dllmquant.runtime.config.ModelConfig;
import io.github.dllmquant.runtime.config.ModelFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link DiffusionLm} from a dense Hugging Face folder: validates every expected tensor
 * against config.json before anything is allocated, then converts weights once (F32) or keeps them
 * mapped (BF16), checking each for NaN/Inf.
 */
final class CheckpointLoader {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointLoader.class);
    private static final int MAX_LISTED = 30;

    private CheckpointLoader() {
    }

    static DiffusionLm load(Path folder, LoadOptions options) throws IOException {
        AtomicFiles.requireExists(folder);
        ModelConfig config = ModelConfig.load(folder);
        Path quantizationFile = folder.resolve(QuantizationConfig.FILE);
        Map<String, QuantizationConfig.LayerSpec> quantized = Files.isRegularFile(quantizationFile)
                ? QuantizationConfig.read(quantizationFile) : Map.of();
        GptqConfig gptq = isGptqFolder(folder) ? GptqConfig.read(folder) : null;
        TensorSource source = SafeTensors.openModel(folder);
        try {
            validate(folder, config, source, quantized, gptq != null);
            DiffusionLm model = build(folder, config, new Reader(source, options, quantized, gptq), options.progress());
            if (options.storage() == WeightStorage.F32) {
                source.close(); // every weight was copied to the heap
            }
            LOG.info("loaded {} ({} layers, hidden {}, {} weights, {} MB)", folder, config.layers(), config.hidden(),
                    options.storage(), model.parameterBytes() >> 20);
            return model;
        } catch (ModelFormatException e) {
            source.close();
            // messages from the tensor readers name the tensor; the folder makes them say which checkpoint
            throw e.getMessage() != null && e.getMessage().contains(folder.toString()) ? e
                    : new ModelFormatException(folder + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException | Error e) {
            source.close();
            throw e;
        }
    }

    /** A GPTQ checkpoint: quantize_config.json, or a quantization_config object inside config.json. */
    private static boolean isGptqFolder(Path folder) throws IOException {
        if (Files.isRegularFile(folder.resolve(GptqConfig.FILE))) {
            return true;
        }
        Path config = folder.resolve("config.json");
        return Files.isRegularFile(config)
                && new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile()).has("quantization_config");
    }

    /**
     * Checks that every tensor the config implies is present with the right shape and dtype (quantized
     * layers as codes, scales and zeros); throws one exception listing all problems.
     */
    static void validate(Path folder, ModelConfig config, TensorSource source,
                         Map<String, QuantizationConfig.LayerSpec> quantized, boolean gptq) throws ModelFormatException {
        List<TensorNames.TensorSpec> expected = new ArrayList<>();
        Set<String> layersSeen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        Set<String> expectedNames = new HashSet<>();
        for (TensorNames.TensorSpec spec : TensorNames.of(config.architecture()).expected(config)) {
            String layer = spec.name().endsWith(".weight") ? spec.name().substring(0, spec.name().length() - 7) : null;
            QuantizationConfig.LayerSpec q = layer == null ? null : quantized.get(layer);
            if (q != null) {
                layersSeen.add(layer);
            }
            if (gptq && layer != null && source.contains(layer + GptqFormat.QWEIGHT)) {
                // qweight/qzeros/scales/g_idx shapes are checked by GptqFormat when the layer is read
                for (String suffix : new String[] {GptqFormat.QWEIGHT, GptqFormat.QZEROS, GptqFormat.SCALES,
                        GptqFormat.G_IDX}) {
                    expectedNames.add(layer + suffix);
                }
            } else if (q == null || q.kind() == QuantizationConfig.Kind.DENSE) {
                expected.add(spec);
            } else if (!QuantizedTensors.contains(source, layer)) {
                // shapes of codes/scales/zeros are checked against their .qmeta when the layer is read
                problems.add("missing quantized weight " + layer + " (" + layer + ".codes/.scales/.zeros/.qmeta)");
            } else {
                for (String suffix : new String[] {QuantizedTensors.CODES, QuantizedTensors.SCALES,
                        QuantizedTensors.ZEROS, QuantizedTensors.META}) {
                    expectedNames.add(layer + suffix);
                }
            }
        }
        for (String layer : quantized.keySet()) {
            if (!layersSeen.contains(layer)) {
                throw ModelFormatException.of(folder.resolve(QuantizationConfig.FILE), "layer " + layer
                        + " is not a linear of this " + config.architecture() + " model");
            }
        }
        for (TensorNames.TensorSpec spec : expected) {
            expectedNames.add(spec.name());
            if (!source.contains(spec.name())) {
                problems.add("missing " + spec);
                continue;
            }
            TensorView t;
            try {
                t = source.tensor(spec.name());
            } catch (IOException e) {
                problems.add(spec.name() + ": " + e.getMessage());
                continue;
            }
            if (!Arrays.equals(t.shape(), spec.shape())) {
                problems.add(spec.name() + " has shape " + Arrays.toString(t.shape()) + ", config.json implies "
                        + Arrays.toString(spec.shape()));
            } else if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
                problems.add(spec.name() + " has dtype " + t.dtype() + ", expected F32, BF16 or F16");
            }
        }
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            sb.append(folder).append(": the weights do not match config.json (").append(config.architecture())
                    .append(", ").append(config.layers()).append(" layers, hidden ").append(config.hidden())
                    .append("): ").append(problems.size()).append(" problem(s)");
            problems.stream().limit(MAX_LISTED).forEach(p -> sb.append("\n  ").append(p));
            if (problems.size() > MAX_LISTED) {
                sb.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
            }
            sb.append("\nexpected ").append(expected.size()).append(" tensors, e.g. ").append(expected.get(0))
                    .append(", ").append(expected.get(Math.min(2, expected.size() - 1)));
            throw new ModelFormatException(sb.toString());
        }
        int unused = 0;
        for (String name : source.names()) {
            if (!expectedNames.contains(name)) {
                unused++;
                LOG.debug("{}: tensor {} is not used by the {} model", folder, name, config.architecture());
            }
        }
        if (unused > 0) {
            LOG.warn("{}: {} tensor(s) in the checkpoint are not used by the {} model", folder, unused,
                    config.architecture());
        }
    }

    /** Builds the model from any source of validated tensors. */
    static DiffusionLm build(Path folder, ModelConfig config, Reader reader, ProgressListener progress)
            throws IOException {
        TensorNames names = TensorNames.of(config.architecture());
        long total = 3L + (long) config.layers() * (2 + LinearRole.values().length);
        long[] done = {0};
        Runnable step = () -> {
            done[0]++;
            progress.onProgress(new Progress("load weights", Math.min(done[0], total), total));
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("loading " + folder + " was interrupted");
            }
        };
        EmbeddingTable embedding = reader.embedding(names.embedding(), config.embeddingSize(), config.hidden());
        step.run();
        RopeTable rope = RopeTable.of(config.headDim(), config.maxSequenceLength(), config.ropeTheta());
        TransformerBlock[] blocks = new TransformerBlock[config.layers()];
        for (int b = 0; b < blocks.length; b++) {
            Linear[] linears = new Linear[LinearRole.values().length];
            for (LinearRole role : LinearRole.values()) {
                String name = names.linear(b, role);
                linears[role.ordinal()] = reader.linear(name, LayerShapes.out(config, role), LayerShapes.in(config, role),
                        LayerShapes.hasBias(config, role));
                step.run();
            }
            float[] attnNorm = reader.vector(names.norm(b, NormRole.ATTENTION));
            step.run();
            float[] ffnNorm = reader.vector(names.norm(b, NormRole.FFN));
            step.run();
            blocks[b] = new TransformerBlock(b, config, rope, linears, attnNorm, ffnNorm);
        }
        float[] finalNorm = reader.vector(names.finalNorm());
        step.run();
        Linear head = config.tiedEmbeddings()
                ? reader.linear(names.embedding().replaceFirst("\\.weight$", ""), config.embeddingSize(), config.hidden(), false)
                : reader.linear(names.lmHead(), config.embeddingSize(), config.hidden(), false);
        step.run();
        return new DiffusionLm(config, folder, embedding, blocks, finalNorm, head, rope,
                reader.keepsMapping() ? reader.source : null);
    }

    /** Reads validated tensors as the chosen storage wants them. */
    static final class Reader {
        private final TensorSource source;
        private final LoadOptions options;
        private final Map<String, QuantizationConfig.LayerSpec> quantized;

        private final GptqConfig gptq; // null unless the folder is a GPTQ checkpoint
        /** Online transforms read so far: layers naming the same tensors share one instance. */
        private final Map<String, InputTransform> transforms = new java.util.HashMap<>();

        Reader(TensorSource source, LoadOptions options, Map<String, QuantizationConfig.LayerSpec> quantized,
               GptqConfig gptq) {
            this.source = source;
            this.options = options;
            this.quantized = quantized;
            this.gptq = gptq;
        }

        boolean keepsMapping() {
            return options.storage() == WeightStorage.BF16_MAPPED;
        }

        float[] vector(String name) throws IOException {
            return finite(name, source.tensor(name).toFloatArray());
        }

        EmbeddingTable embedding(String name, int rows, int hidden) throws IOException {
            String prefix = TensorNames.layerPrefix(name);
            if (quantized.containsKey(prefix)) {
                QuantizedWeight w;
                try {
                    w = QuantizedTensors.read(source, prefix);
                } catch (IOException e) {
                    throw new ModelFormatException("quantized embedding " + prefix + ": " + e.getMessage(), e);
                }
                if (w.out() != rows || w.in() != hidden) {
                    throw new ModelFormatException("quantized embedding " + prefix + " is " + w.out() + "x" + w.in()
                            + ", config.json implies " + rows + "x" + hidden);
                }
                finite(prefix + ".scales", w.scales());
                return new EmbeddingTable.Quantized(w);
            }
            TensorView t = source.tensor(name);
            if (keepsMapping() && t.dtype() == DType.BF16) {
                Bf16Check.requireFinite(name, t.data());
                return new EmbeddingTable.Bf16(t.data(), rows, hidden);
            }
            return new EmbeddingTable.F32(finite(name, t.toFloatArray()), rows, hidden);
        }

        Linear linear(String name, int out, int in, boolean bias) throws IOException {
            if (gptq != null && source.contains(name + GptqFormat.QWEIGHT)) {
                return gptqLinear(name, out, in);
            }
            QuantizationConfig.LayerSpec q = quantized.get(name);
            return q != null ? quantizedLinear(name, q, out, in, bias) : denseLinear(name, out, in, bias);
        }

        private Linear denseLinear(String name, int out, int in, boolean bias) throws IOException {
            TensorView w = source.tensor(name + ".weight");
            float[] b = bias ? vector(name + ".bias") : null;
            if (keepsMapping() && w.dtype() == DType.BF16) {
                Bf16Check.requireFinite(name + ".weight", w.data());
                return DenseLinear.bf16(w.data(), b, out, in);
            }
            return DenseLinear.of(finite(name + ".weight", w.toFloatArray()), b, out, in);
        }

        /** A GPTQ layer: weight-only, with a column permutation in front when the checkpoint is act-order. */
        private Linear gptqLinear(String name, int out, int in) throws IOException {
            GptqFormat.Layer layer;
            try {
                layer = GptqFormat.read(source, name, gptq);
            } catch (IOException e) {
                throw new ModelFormatException("GPTQ layer " + name + ": " + e.getMessage(), e);
            }
            QuantizedWeight w = layer.weight();
            if (w.out() != out || w.in() != in) {
                throw new ModelFormatException("GPTQ layer " + name + " is " + w.out() + "x" + w.in()
                        + ", config.json implies " + out + "x" + in);
            }
            finite(name + GptqFormat.SCALES, w.scales());
            float[] b = source.contains(name + ".bias") ? vector(name + ".bias") : null;
            return WeightOnlyLinear.of(w, b, layer.perm() == null ? null : new ColumnPermutation(layer.perm()));
        }

        /** A listed layer: dense or quantized base product, its own transform, outer transforms. */
        private Linear quantizedLinear(String name, QuantizationConfig.LayerSpec q, int out, int in, boolean bias)
                throws IOException {
            Linear base;
            if (q.kind() == QuantizationConfig.Kind.DENSE) {
                base = denseLinear(name, out, in, bias);
            } else {
                QuantizedWeight w;
                try {
                    w = QuantizedTensors.read(source, name);
                } catch (IOException e) {
                    throw new ModelFormatException("quantized layer " + name + ": " + e.getMessage(), e);
                }
                if (w.out() != out || w.in() != in) {
                    throw new ModelFormatException("quantized layer " + name + " is " + w.out() + "x" + w.in()
                            + ", config.json implies " + out + "x" + in);
                }
                finite(name + ".scales", w.scales());
                float[] b = source.contains(name + ".bias") ? vector(name + ".bias") : null;
                InputTransform own = q.transform() == null ? null
                        : TransformCodec.read(q.transform(), name + ".transform", source, name, transforms);
                try {
                    base = q.kind() == QuantizationConfig.Kind.WEIGHT_ONLY
                            ? WeightOnlyLinear.of(w, b, own)
                            : ActivationQuantizedLinear.of(w, b, q.activation(), own);
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException("quantized layer " + name + ": " + e.getMessage(), e);
                }
            }
            // wrap from the innermost outer transform outwards
            Linear layer = base;
            for (int i = q.wrappers().size() - 1; i >= 0; i--) {
                InputTransform t = TransformCodec.read(q.wrappers().get(i), name + ".wrap" + i, source, name, transforms);
                try {
                    layer = TransformedLinear.of(t, layer);
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException("layer " + name + ": " + e.getMessage(), e);
                }
            }
            return layer;
        }

        private static float[] finite(String name, float[] values) throws ModelFormatException {
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new ModelFormatException("tensor " + name + " holds " + values[i] + " at flat index " + i);
                }
            }
            return values;
        }
    }
}
