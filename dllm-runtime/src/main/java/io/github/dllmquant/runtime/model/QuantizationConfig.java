package io.github.dllmquant.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.runtime.config.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code quantization_config.json} of a saved model folder: every linear that is not a plain dense
 * layer, by checkpoint name without suffix. Layers not listed are dense ({@code NAME.weight}). Example:
 * <pre>
 * {
 *   "quant_method": "dllmq",
 *   "format_version": 2,
 *   "layers": {
 *     "model.transformer.blocks.0.ff_out": {
 *       "kind": "activation_quantized",
 *       "activation": {"bits": 8, "symmetric": true, "clip_ratio": 1.0},
 *       "transform": {"type": "hadamard", "kind": "FULL", "width": 768, "heads": 1, "had_k": 12, "signed": true},
 *       "wrappers": []
 *     }
 *   }
 * }
 * </pre>
 * {@code kind} is {@code dense} (weight in {@code NAME.weight}), {@code weight_only} or
 * {@code activation_quantized} (weight in core.format.QuantizedTensors form under {@code NAME}:
 * {@code .codes}, {@code .scales}, {@code .zeros}, {@code .qmeta}). {@code transform} is the quantized
 * layer's own online transform (tensors under {@code NAME.transform}); {@code wrappers} are outer
 * transforms applied before it, outermost first (TransformedLinear; tensors under {@code NAME.wrapI}),
 * see {@link TransformCodec}. A bias is {@code NAME.bias}.
 */
final class QuantizationConfig {

    static final String FILE = "quantization_config.json";
    static final String METHOD = "dllmq";
    /** Written: 2 (shared transform tensors, see {@link TransformCodec}). */
    static final int VERSION = 2;
    /** Read: every version from 1 (version 1 folders have one transform copy per layer). */
    static final int OLDEST_READABLE_VERSION = 1;

    /** How a layer's base product runs. */
    enum Kind {
        DENSE("dense"), WEIGHT_ONLY("weight_only"), ACTIVATION_QUANTIZED("activation_quantized");

        final String json;

        Kind(String json) {
            this.json = json;
        }
    }

    /**
     * One listed layer.
     *
     * @param kind       the base product
     * @param activation activation quantizer ({@link Kind#ACTIVATION_QUANTIZED} only), else null
     * @param transform  the quantized layer's own transform description, or null
     * @param wrappers   outer transform descriptions, outermost first
     */
    record LayerSpec(Kind kind, ActivationQuantizer activation, JsonNode transform, List<JsonNode> wrappers) {
        LayerSpec {
            wrappers = List.copyOf(wrappers);
        }
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
            if (s.activation() != null) {
                ObjectNode a = n.putObject("activation");
                a.put("bits", s.activation().bits());
                a.put("symmetric", s.activation().symmetric());
                a.put("clip_ratio", s.activation().clipRatio());
            }
            if (s.transform() != null) {
                n.set("transform", s.transform());
            }
            ArrayNode w = n.putArray("wrappers");
            s.wrappers().forEach(w::add);
        }
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    static Map<String, LayerSpec> read(Path file) throws IOException {
        return parse(Files.readString(file), file);
    }

    /** Parses the text of {@code file} (named in error messages). */
    static Map<String, LayerSpec> parse(String text, Path file) throws ModelFormatException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw ModelFormatException.of(file, "not valid JSON: " + e.getMessage(), e);
        }
        if (!METHOD.equals(root.path("quant_method").asText())) {
            throw ModelFormatException.of(file, "quant_method is \"" + root.path("quant_method").asText()
                    + "\", expected \"" + METHOD + "\"");
        }
        int version = root.path("format_version").asInt(-1);
        if (version < OLDEST_READABLE_VERSION || version > VERSION) {
            throw ModelFormatException.of(file, "format_version " + root.path("format_version")
                    + " is not supported (this reader takes " + OLDEST_READABLE_VERSION + " to " + VERSION + ")");
        }
        JsonNode all = root.path("layers");
        if (!all.isObject()) {
            throw ModelFormatException.of(file, "\"layers\" must be an object");
        }
        Map<String, LayerSpec> layers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : all.properties()) {
            String name = e.getKey();
            JsonNode n = e.getValue();
            Kind kind = null;
            for (Kind k : Kind.values()) {
                if (k.json.equals(n.path("kind").asText())) {
                    kind = k;
                }
            }
            if (kind == null) {
                throw ModelFormatException.of(file, "layer " + name + ": unknown kind \"" + n.path("kind").asText()
                        + "\" (expected dense, weight_only or activation_quantized)");
            }
            ActivationQuantizer aq = null;
            if (kind == Kind.ACTIVATION_QUANTIZED) {
                JsonNode a = n.path("activation");
                if (!a.has("bits") || !a.has("symmetric") || !a.has("clip_ratio")) {
                    throw ModelFormatException.of(file, "layer " + name + ": \"activation\" needs bits, symmetric and clip_ratio");
                }
                try {
                    aq = new ActivationQuantizer(a.get("bits").asInt(), a.get("symmetric").asBoolean(),
                            (float) a.get("clip_ratio").asDouble());
                } catch (IllegalArgumentException ex) {
                    throw ModelFormatException.of(file, "layer " + name + ": " + ex.getMessage(), ex);
                }
            }
            JsonNode transform = n.get("transform");
            if (transform != null && transform.isNull()) {
                transform = null;
            }
            if (transform != null && kind == Kind.DENSE) {
                throw ModelFormatException.of(file, "layer " + name + ": a dense layer has no own transform (use wrappers)");
            }
            List<JsonNode> wrappers = new ArrayList<>();
            n.path("wrappers").forEach(wrappers::add);
            layers.put(name, new LayerSpec(kind, aq, transform, wrappers));
        }
        return layers;
    }
}
