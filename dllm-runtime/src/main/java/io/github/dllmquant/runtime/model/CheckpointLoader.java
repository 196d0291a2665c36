package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.RopeTable;
import io.github.dllmquant.core.hadamard.HadamardTransform;
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
        ModelConfig config = ModelConfig.load(folder);
        Path quantizationFile = folder.resolve(QuantizationConfig.FILE);
        Map<String, QuantizationConfig.LayerSpec> quantized = Files.isRegularFile(quantizationFile)
                ? QuantizationConfig.read(quantizationFile) : Map.of();
        TensorSource source = SafeTensors.openModel(folder);
        try {
            validate(folder, config, source, quantized);
            DiffusionLm model = build(folder, config, new Reader(source, options, quantized), options.progress());
            if (options.storage() == WeightStorage.F32) {
                source.close(); // every weight was copied to the heap
            }
            LOG.info("loaded {} ({} layers, hidden {}, {} weights, {} MB)", folder, config.layers(), config.hidden(),
                    options.storage(), model.parameterBytes() >> 20);
            return model;
        } catch (IOException | RuntimeException | Error e) {
            source.close();
            throw e;
        }
    }

    /**
     * Checks that every tensor the config implies is present with the right shape and dtype (quantized
     * layers as codes, scales and zeros); throws one exception listing all problems.
     */
    static void validate(Path folder, ModelConfig config, TensorSource source,
                         Map<String, QuantizationConfig.LayerSpec> quantized) throws ModelFormatException {
        List<TensorNames.TensorSpec> expected = new ArrayList<>();
        Set<String> layersSeen = new HashSet<>();
        List<TensorNames.TensorSpec> floats = new ArrayList<>();
        for (TensorNames.TensorSpec spec : TensorNames.of(config.architecture()).expected(config)) {
            String layer = spec.name().endsWith(".weight") ? spec.name().substring(0, spec.name().length() - 7) : null;
            QuantizationConfig.LayerSpec q = layer == null ? null : quantized.get(layer);
            if (q == null) {
                expected.add(spec);
                floats.add(spec);
                continue;
            }
            layersSeen.add(layer);
            long out = spec.shape()[0];
            long in = spec.shape()[1];
            if (q.groupSize() <= 0 || in % q.groupSize() != 0 || q.bits() < 2 || q.bits() > 8) {
                throw ModelFormatException.of(folder.resolve(QuantizationConfig.FILE), "layer " + layer + ": bits "
                        + q.bits() + " / group_size " + q.groupSize() + " do not fit its " + in + " input features");
            }
            long groups = in / q.groupSize();
            expected.add(new TensorNames.TensorSpec(layer + ".qcodes", out, PackedCodes.rowBytes((int) in, q.bits())));
            TensorNames.TensorSpec scales = new TensorNames.TensorSpec(layer + ".scales", out, groups);
            TensorNames.TensorSpec zeros = new TensorNames.TensorSpec(layer + ".zeros", out, groups);
            expected.add(scales);
            expected.add(zeros);
            floats.add(scales);
            floats.add(zeros);
            if (q.signed()) {
                expected.add(new TensorNames.TensorSpec(layer + ".transform_signs", q.hadamard().width()));
            }
        }
        for (String layer : quantized.keySet()) {
            if (!layersSeen.contains(layer)) {
                throw ModelFormatException.of(folder.resolve(QuantizationConfig.FILE), "layer " + layer
                        + " is not a linear of this " + config.architecture() + " model");
            }
        }
        List<String> problems = new ArrayList<>();
        Set<String> expectedNames = new HashSet<>();
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
            } else if (!floats.contains(spec) && t.dtype().byteSize() != 1) {
                problems.add(spec.name() + " has dtype " + t.dtype() + ", expected U8 or I8");
            } else if (floats.contains(spec) && t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
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

        Reader(TensorSource source, LoadOptions options, Map<String, QuantizationConfig.LayerSpec> quantized) {
            this.source = source;
            this.options = options;
            this.quantized = quantized;
        }

        boolean keepsMapping() {
            return options.storage() == WeightStorage.BF16_MAPPED;
        }

        float[] vector(String name) throws IOException {
            return finite(name, source.tensor(name).toFloatArray());
        }

        EmbeddingTable embedding(String name, int rows, int hidden) throws IOException {
            TensorView t = source.tensor(name);
            if (keepsMapping() && t.dtype() == DType.BF16) {
                Bf16Check.requireFinite(name, t.data());
                return new EmbeddingTable.Bf16(t.data(), rows, hidden);
            }
            return new EmbeddingTable.F32(finite(name, t.toFloatArray()), rows, hidden);
        }

        Linear linear(String name, int out, int in, boolean bias) throws IOException {
            QuantizationConfig.LayerSpec q = quantized.get(name);
            if (q != null) {
                return quantizedLinear(name, q, out, in);
            }
            TensorView w = source.tensor(name + ".weight");
            float[] b = bias ? vector(name + ".bias") : null;
            if (keepsMapping() && w.dtype() == DType.BF16) {
                Bf16Check.requireFinite(name + ".weight", w.data());
                return DenseLinear.bf16(w.data(), b, out, in);
            }
            return DenseLinear.of(finite(name + ".weight", w.toFloatArray()), b, out, in);
        }

        /** A weight-only or activation-quantized layer from codes, scales, zeros and its transform. */
        private Linear quantizedLinear(String name, QuantizationConfig.LayerSpec q, int out, int in) throws IOException {
            byte[] codes = PackedCodes.unpack(source.tensor(name + ".qcodes").toByteArray(), out, in, q.bits());
            float[] scales = vector(name + ".scales");
            float[] zeros = vector(name + ".zeros");
            float[] bias = source.contains(name + ".bias") ? vector(name + ".bias") : null;
            try {
                QuantizedWeight w = new QuantizedWeight(out, in, q.bits(), q.groupSize(), q.symmetric(), codes, scales, zeros);
                InputTransform transform = null;
                if (q.hadamard() != null) {
                    HadamardTransform.Spec spec = q.hadamard();
                    if (q.signed()) {
                        spec = new HadamardTransform.Spec(spec.kind(), spec.width(), spec.heads(), spec.hadK(),
                                source.tensor(name + ".transform_signs").toByteArray());
                    }
                    transform = HadamardTransform.fromSpec(spec);
                }
                return q.kind() == QuantizationConfig.Kind.WEIGHT_ONLY
                        ? WeightOnlyLinear.of(w, bias, transform)
                        : ActivationQuantizedLinear.of(w, bias, q.activation(), transform);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException("quantized layer " + name + ": " + e.getMessage(), e);
            }
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
