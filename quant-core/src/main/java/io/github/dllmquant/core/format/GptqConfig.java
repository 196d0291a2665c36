package io.github.dllmquant.core.format;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.dllmquant.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The GPTQ settings of a checkpoint, as {@code quantize_config.json} or
 * {@code config.json["quantization_config"]} hold them (AutoGPTQ / GPTQModel / Hugging Face
 * {@code quant_method: "gptq"}).
 *
 * <p>Reading accepts the aliases in use: {@code w_bit → bits}, {@code q_group_size → group_size},
 * {@code format → checkpoint_format}, {@code method → quant_method}; a missing {@code sym} means true
 * (with a warning, as AutoGPTQ), a missing {@code checkpoint_format} means {@code "gptq"} (v1 zeros).
 *
 * @param bits             2, 3, 4 or 8
 * @param groupSize        columns per group, −1 for per channel
 * @param symmetric        symmetric grid
 * @param descAct          act-order (columns quantized by decreasing Hessian diagonal; {@code g_idx} permuted)
 * @param dampPercent      Hessian damping used
 * @param checkpointFormat {@code "gptq"} (v1: stored zeros are {@code z − 1}) or {@code "gptq_v2"} (stored {@code z})
 * @param quantizer        the tool that wrote it ({@code meta.quantizer[0]}, e.g. {@code "gptqmodel:4.0.0"}), or null
 */
public record GptqConfig(int bits, int groupSize, boolean symmetric, boolean descAct, double dampPercent,
                         String checkpointFormat, String quantizer) {

    private static final Logger LOG = LoggerFactory.getLogger(GptqConfig.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** File name of the stand-alone config. */
    public static final String FILE = "quantize_config.json";
    /** v1 zeros ({@code z − 1} stored). */
    public static final String V1 = "gptq";
    /** v2 zeros ({@code z} stored). */
    public static final String V2 = "gptq_v2";

    /** Validates the settings. */
    public GptqConfig {
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("GPTQ bits must be 2, 3, 4 or 8, got " + bits);
        }
        if (groupSize != -1 && groupSize <= 0) {
            throw new IllegalArgumentException("group_size must be positive or -1, got " + groupSize);
        }
        if (!V1.equals(checkpointFormat) && !V2.equals(checkpointFormat)) {
            throw new IllegalArgumentException("checkpoint_format must be \"" + V1 + "\" or \"" + V2 + "\", got "
                    + (checkpointFormat == null ? "null" : "\"" + checkpointFormat + "\""));
        }
    }

    /** The settings this SDK writes: v1 zeros when symmetric, {@code gptq_v2} when asymmetric. */
    public static GptqConfig of(int bits, int groupSize, boolean symmetric, boolean descAct, double dampPercent) {
        return new GptqConfig(bits, groupSize, symmetric, descAct, dampPercent, symmetric ? V1 : V2, null);
    }

    /** A copy that does not name the tool that wrote it. */
    public GptqConfig withQuantizerUnknown() {
        return new GptqConfig(bits, groupSize, symmetric, descAct, dampPercent, checkpointFormat, null);
    }

    /** Whether stored zeros are {@code z − 1} (v1). */
    public boolean v1() {
        return V1.equals(checkpointFormat);
    }

    /** A copy with another checkpoint format. */
    public GptqConfig withCheckpointFormat(String format) {
        return new GptqConfig(bits, groupSize, symmetric, descAct, dampPercent, format, quantizer);
    }

    /**
     * Reads {@code folder/quantize_config.json}, else {@code folder/config.json["quantization_config"]}.
     *
     * @throws FormatException if neither exists, the JSON is broken, or the settings are not GPTQ's
     */
    public static GptqConfig read(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        JsonNode node;
        if (Files.isRegularFile(file)) {
            node = parse(file);
        } else {
            file = folder.resolve("config.json");
            if (!Files.isRegularFile(file)) {
                throw new FormatException(folder + ": no " + FILE + " and no config.json with quantization_config");
            }
            node = parse(file).get("quantization_config");
            if (node == null) {
                throw new FormatException(file + ": no quantization_config (not a quantized model?)");
            }
        }
        return fromJson(file, node);
    }

    private static JsonNode parse(Path file) throws IOException {
        try {
            return JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new FormatException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** The settings in {@code node} ({@code file} only names it in messages). */
    static GptqConfig fromJson(Path file, JsonNode node) throws FormatException {
        if (node == null || !node.isObject()) {
            throw new FormatException(file + ": quantization config must be a JSON object");
        }
        String method = text(node, "quant_method", text(node, "method", "gptq"));
        if (!"gptq".equalsIgnoreCase(method)) {
            throw new FormatException(file + ": quant_method is \"" + method + "\", not \"gptq\"");
        }
        JsonNode bits = first(node, "bits", "w_bit");
        JsonNode group = first(node, "group_size", "q_group_size");
        if (bits == null || !bits.canConvertToInt() || !bits.isIntegralNumber()) {
            throw new FormatException(file + ": bits missing or not an integer: " + bits);
        }
        if (group == null || !group.isIntegralNumber() || !group.canConvertToInt()) {
            throw new FormatException(file + ": group_size missing or not an integer: " + group);
        }
        boolean sym;
        if (node.hasNonNull("sym")) {
            sym = node.get("sym").asBoolean();
        } else {
            LOG.warn("{}: no \"sym\" in the GPTQ config, assuming symmetric (as AutoGPTQ does)", file);
            sym = true;
        }
        String format = text(node, "checkpoint_format", text(node, "format", V1));
        String quantizer = null;
        JsonNode meta = node.get("meta");
        if (meta != null && meta.has("quantizer")) {
            JsonNode q = meta.get("quantizer");
            quantizer = q.isArray() && !q.isEmpty() ? q.get(0).asText() : q.asText();
        }
        try {
            return new GptqConfig(bits.intValue(), group.intValue(), sym, node.path("desc_act").asBoolean(false),
                    node.path("damp_percent").asDouble(0.01), format, quantizer);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file + ": " + e.getMessage());
        }
    }

    private static JsonNode first(JsonNode node, String name, String alias) {
        return node.hasNonNull(name) ? node.get(name) : node.get(alias);
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    /** This config as the JSON object GPTQ loaders read. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("bits", bits);
        n.put("group_size", groupSize);
        n.put("sym", symmetric);
        n.put("desc_act", descAct);
        n.put("damp_percent", dampPercent);
        n.put("checkpoint_format", checkpointFormat);
        n.put("quant_method", "gptq");
        n.put("pack_dtype", "int32");
        if (quantizer != null) {
            n.putObject("meta").putArray("quantizer").add(quantizer);
        }
        return n;
    }

    /** Writes {@code folder/quantize_config.json} atomically (temporary file, fsync, then rename). */
    public void write(Path folder) throws IOException {
        AtomicFiles.write(folder.resolve(FILE), JSON.writeValueAsBytes(toJson()));
    }
}
