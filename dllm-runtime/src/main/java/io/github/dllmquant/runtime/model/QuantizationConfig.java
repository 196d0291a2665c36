package io.github.dllmquant.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.dllmquant.core.hadamard.HadamardTransform;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.runtime.config.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code quantization_config.json} of a quantized model folder: for each quantized linear (by checkpoint
 * name without suffix) its grid, its activation quantizer and its online input transform. Layers not
 * listed are dense. Example:
 * <pre>
 * {
 *   "quant_method": "dllmq",
 *   "format_version": 1,
 *   "layers": {
 *     "model.transformer.blocks.0.ff_out": {
 *       "kind": "activation_quantized", "bits": 4, "group_size": 128, "symmetric": true,
 *       "activation": {"bits": 8, "symmetric": true, "clip_ratio": 1.0},
 *       "transform": {"type": "hadamard", "kind": "FULL", "width": 768, "heads": 1, "had_k": 12, "signed": true}
 *     }
 *   }
 * }
 * </pre>
 * Tensors of a listed layer {@code NAME} in model.safetensors: {@code NAME.qcodes} (U8
 * {@code [out, ceil(in·bits/8)]}, see {@link PackedCodes}), {@code NAME.scales} and {@code NAME.zeros}
 * (F32 {@code [out, in/group_size]}), {@code NAME.bias} (F32, if any) and, for a signed Hadamard
 * transform, {@code NAME.transform_signs} (I8 {@code [width]}, ±1).
 */
final class QuantizationConfig {

    static final String FILE = "quantization_config.json";
    static final String METHOD = "dllmq";
    static final int VERSION = 1;

    /** How a layer runs. */
    enum Kind {
        WEIGHT_ONLY("weight_only"), ACTIVATION_QUANTIZED("activation_quantized");

        final String json;

        Kind(String json) {
            this.json = json;
        }

        static Kind of(String s, String layer, Path file) throws ModelFormatException {
            for (Kind k : values()) {
                if (k.json.equals(s)) {
                    return k;
                }
            }
            throw ModelFormatException.of(file, "layer " + layer + ": unknown kind \"" + s
                    + "\" (expected weight_only or activation_quantized)");
        }
    }

    /**
     * One quantized layer.
     *
     * @param kind       weight-only or weight+activation
     * @param bits       weight code bits
     * @param groupSize  columns per group
     * @param symmetric  informational grid flag
     * @param activation activation quantizer, or null for weight-only
     * @param hadamard   the online Hadamard transform's description (without its signs, which live in
     *                   the {@code NAME.transform_signs} tensor), or null
     * @param signed     whether the transform has per-element signs
     */
    record LayerSpec(Kind kind, int bits, int groupSize, boolean symmetric, ActivationQuantizer activation,
                     HadamardTransform.Spec hadamard, boolean signed) {
    }

    private QuantizationConfig() {
    }

    static void write(Map<String, LayerSpec> layers, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("quant_method", METHOD);
        root.put("format_version", VERSION);
        ObjectNode all = root.putObject("layers");
        for (Map.Entry<String, LayerSpec> e : layers.entrySet()) {
            LayerSpec s = e.getValue();
            ObjectNode n = all.putObject(e.getKey());
            n.put("kind", s.kind().json);
            n.put("bits", s.bits());
            n.put("group_size", s.groupSize());
            n.put("symmetric", s.symmetric());
            if (s.activation() != null) {
                ObjectNode a = n.putObject("activation");
                a.put("bits", s.activation().bits());
                a.put("symmetric", s.activation().symmetric());
                a.put("clip_ratio", s.activation().clipRatio());
            }
            if (s.hadamard() != null) {
                HadamardTransform.Spec h = s.hadamard();
                ObjectNode t = n.putObject("transform");
                t.put("type", "hadamard");
                t.put("kind", h.kind().name());
                t.put("width", h.width());
                t.put("heads", h.heads());
                t.put("had_k", h.hadK());
                t.put("signed", s.signed());
            }
        }
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /** Reads the layer list (transform signs are read from the tensors by the loader). */
    static Map<String, LayerSpec> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw ModelFormatException.of(file, "not valid JSON: " + e.getMessage(), e);
        }
        if (!METHOD.equals(root.path("quant_method").asText())) {
            throw ModelFormatException.of(file, "quant_method is \"" + root.path("quant_method").asText()
                    + "\", expected \"" + METHOD + "\"");
        }
        if (root.path("format_version").asInt(-1) != VERSION) {
            throw ModelFormatException.of(file, "format_version " + root.path("format_version")
                    + " is not supported (expected " + VERSION + ")");
        }
        JsonNode all = root.path("layers");
        if (!all.isObject()) {
            throw ModelFormatException.of(file, "\"layers\" must be an object");
        }
        Map<String, LayerSpec> layers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : all.properties()) {
            String name = e.getKey();
            JsonNode n = e.getValue();
            try {
                Kind kind = Kind.of(n.path("kind").asText(), name, file);
                ActivationQuantizer aq = null;
                if (kind == Kind.ACTIVATION_QUANTIZED) {
                    JsonNode a = required(n, "activation", name, file);
                    aq = new ActivationQuantizer(requiredInt(a, "bits", name, file),
                            required(a, "symmetric", name, file).asBoolean(),
                            (float) required(a, "clip_ratio", name, file).asDouble());
                }
                HadamardTransform.Spec hadamard = null;
                boolean signed = false;
                JsonNode t = n.get("transform");
                if (t != null && !t.isNull()) {
                    if (!"hadamard".equals(t.path("type").asText())) {
                        throw ModelFormatException.of(file, "layer " + name + ": unsupported transform type \""
                                + t.path("type").asText() + "\" (supported: hadamard)");
                    }
                    hadamard = new HadamardTransform.Spec(HadamardTransform.Kind.valueOf(t.path("kind").asText()),
                            requiredInt(t, "width", name, file), requiredInt(t, "heads", name, file),
                            requiredInt(t, "had_k", name, file), null);
                    signed = t.path("signed").asBoolean(false);
                }
                layers.put(name, new LayerSpec(kind, requiredInt(n, "bits", name, file),
                        requiredInt(n, "group_size", name, file), n.path("symmetric").asBoolean(true), aq,
                        hadamard, signed));
            } catch (IllegalArgumentException ex) {
                throw ModelFormatException.of(file, "layer " + name + ": " + ex.getMessage(), ex);
            }
        }
        return layers;
    }

    private static JsonNode required(JsonNode n, String field, String layer, Path file) throws ModelFormatException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw ModelFormatException.of(file, "layer " + layer + ": missing \"" + field + "\"");
        }
        return v;
    }

    private static int requiredInt(JsonNode n, String field, String layer, Path file) throws ModelFormatException {
        JsonNode v = required(n, field, layer, file);
        if (!v.canConvertToInt()) {
            throw ModelFormatException.of(file, "layer " + layer + ": \"" + field + "\" must be an integer, got " + v);
        }
        return v.asInt();
    }
}
