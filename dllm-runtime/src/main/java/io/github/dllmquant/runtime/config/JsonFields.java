package io.github.dllmquant.runtime.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Typed, checked access to the fields of one JSON object read from a model folder file. Every
 * failure is a {@link ModelFormatException} naming the file and the field, so that a mutated or
 * hand-edited file never surfaces as a NullPointerException or a Jackson exception.
 *
 * <p>Public because the tokenizer and model loaders of this module share it; not meant for
 * applications.
 */
public final class JsonFields {

    /** Nesting limit: real config files nest a few levels; a deep bomb is refused early. */
    private static final int MAX_NESTING = 64;

    /** Largest JSON file read: big tokenizer.json files are tens of MB; more means a wrong or hostile file. */
    private static final long MAX_FILE_BYTES = 512L << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build())
            // {"a": 1} garbage must not pass as {"a": 1}, as Python's json.loads would reject it too
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final JsonNode node;
    private final String prefix;

    private JsonFields(Path file, JsonNode node, String prefix) {
        this.file = file;
        this.node = node;
        this.prefix = prefix;
    }

    /** Reads and parses {@code file}, which must hold one JSON object. */
    public static JsonFields read(Path file) throws IOException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw ModelFormatException.of(file, "file too large for a JSON config: " + size + " bytes");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw ModelFormatException.of(file, "file not found", e);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ModelFormatException.of(file, "not valid UTF-8", e);
        }
        return parse(file, text);
    }

    /** Parses {@code text}; {@code file} names it in messages. */
    public static JsonFields parse(Path file, String text) throws ModelFormatException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw ModelFormatException.of(file, "invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw ModelFormatException.of(file, "expected a JSON object at the top level");
        }
        return new JsonFields(file, root, "");
    }

    /** The file these fields come from. */
    public Path file() {
        return file;
    }

    /** The underlying JSON object. */
    public JsonNode node() {
        return node;
    }

    /** True when the field is present and not JSON null. */
    public boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    /** A nested object field (or empty when absent or null). */
    public Optional<JsonFields> object(String field) throws ModelFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            throw error(field, "expected an object, got " + describe(v));
        }
        return Optional.of(new JsonFields(file, v, prefix + field + "."));
    }

    /** Wraps an element of an array (or any object node) for typed access; {@code path} names it. */
    public JsonFields child(JsonNode value, String path) throws ModelFormatException {
        if (value == null || !value.isObject()) {
            throw ModelFormatException.of(file, prefix + path + ": expected an object, got " + describe(value));
        }
        return new JsonFields(file, value, prefix + path + ".");
    }

    /** A required integer field. */
    public int requireInt(String field) throws ModelFormatException {
        return optionalInt(field).orElseThrow(() -> error(field, "missing required field"));
    }

    /** An optional integer field; a non-integer or out-of-range value is an error. */
    public OptionalInt optionalInt(String field) throws ModelFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(asInt(field, v));
    }

    /** An integer, or the first element of a list of integers (HF allows {@code eos_token_id: [a, b]}). */
    public OptionalInt optionalIntOrFirst(String field) throws ModelFormatException {
        List<Integer> all = intOrList(field);
        return all.isEmpty() ? OptionalInt.empty() : OptionalInt.of(all.getFirst());
    }

    /** An integer or a list of integers, as a list (empty when absent). */
    public List<Integer> intOrList(String field) throws ModelFormatException {
        JsonNode v = node.get(field);
        List<Integer> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                out.add(asInt(field + "[" + i + "]", v.get(i)));
            }
        } else {
            out.add(asInt(field, v));
        }
        return out;
    }

    /** An optional finite number. */
    public OptionalDouble optionalDouble(String field) throws ModelFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            throw error(field, "expected a number, got " + describe(v));
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            throw error(field, "expected a finite number, got " + v);
        }
        return OptionalDouble.of(d);
    }

    /** An optional boolean. */
    public Optional<Boolean> optionalBoolean(String field) throws ModelFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            throw error(field, "expected true or false, got " + describe(v));
        }
        return Optional.of(v.booleanValue());
    }

    /** A boolean with a default when absent or null. */
    public boolean bool(String field, boolean defaultValue) throws ModelFormatException {
        return optionalBoolean(field).orElse(defaultValue);
    }

    /** An optional string. */
    public Optional<String> optionalString(String field) throws ModelFormatException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw error(field, "expected a string, got " + describe(v));
        }
        return Optional.of(v.textValue());
    }

    /** A required string. */
    public String requireString(String field) throws ModelFormatException {
        return optionalString(field).orElseThrow(() -> error(field, "missing required field"));
    }

    /** An error about {@code field}: {@code "<file>: <field>: <problem>"}. */
    public ModelFormatException error(String field, String problem) {
        return ModelFormatException.of(file, prefix + field + ": " + problem);
    }

    private int asInt(String field, JsonNode v) throws ModelFormatException {
        if (v == null || !v.isIntegralNumber()) {
            // 256.0 is how some exporters write integers; accept it only when exact
            if (v != null && v.isFloatingPointNumber()) {
                double d = v.doubleValue();
                if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                    return (int) d;
                }
            }
            throw error(field, "expected an integer, got " + describe(v));
        }
        if (!v.canConvertToInt()) {
            throw error(field, "integer out of range: " + v);
        }
        return v.intValue();
    }

    private static String describe(JsonNode v) {
        if (v == null) {
            return "nothing";
        }
        String text = v.toString();
        if (text.length() > 60) {
            text = text.substring(0, 60) + "...";
        }
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + text;
    }
}
