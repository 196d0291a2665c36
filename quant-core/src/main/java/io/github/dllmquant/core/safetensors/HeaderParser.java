package io.github.dllmquant.core.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.dllmquant.core.tensor.DType;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validates a safetensors header the way the reference implementation does, before anything is
 * allocated from what the header claims.
 *
 * <p>Accepted: entries in any order, zero-sized and rank-0 tensors, trailing whitespace after the JSON
 * object, unknown extra fields inside an entry (the reference ignores them), every dtype name of the
 * format, {@code __metadata__} absent, null or an object of strings. Rejected: anything else, including
 * duplicate keys, non-integer or negative numbers, size overflow, ranges that overlap, leave gaps or do
 * not cover the whole data buffer.
 */
final class HeaderParser {

    /** The reference refuses headers above 100,000,000 bytes. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    /** A validated header: entries sorted by offset, metadata sorted by key. */
    record Header(List<TensorEntry> entries, Map<String, String> metadata) {
    }

    private HeaderParser() {
    }

    /**
     * Parses and validates {@code header} for a data buffer of {@code dataLength} bytes.
     *
     * @param file only for messages
     */
    static Header parse(Path file, byte[] header, long dataLength) throws SafeTensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw SafeTensorsException.of(file, "header is not valid UTF-8 (" + e.getMessage() + ")");
        }
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw SafeTensorsException.of(file, "header does not start with '{' (a JSON object)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw SafeTensorsException.of(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw SafeTensorsException.of(file, "header is not a JSON object");
        }
        Map<String, String> metadata = Map.of();
        List<TensorEntry> entries = new ArrayList<>(root.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = metadata(file, field.getValue());
            } else {
                entries.add(entry(file, field.getKey(), field.getValue()));
            }
        }
        entries.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        checkLayout(file, entries, dataLength);
        return new Header(Collections.unmodifiableList(entries), metadata);
    }

    private static Map<String, String> metadata(Path file, JsonNode node) throws SafeTensorsException {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw SafeTensorsException.of(file, METADATA_KEY + " must be an object of strings, found " + kind(node));
        }
        Map<String, String> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw SafeTensorsException.of(file, METADATA_KEY + " value of \"" + e.getKey()
                        + "\" must be a string, found " + kind(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorEntry entry(Path file, String name, JsonNode node) throws SafeTensorsException {
        if (!node.isObject()) {
            throw SafeTensorsException.of(file, name, "entry must be an object, found " + kind(node));
        }
        JsonNode dtypeNode = required(file, name, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw SafeTensorsException.of(file, name, "dtype must be a string, found " + kind(dtypeNode));
        }
        DType dtype;
        try {
            dtype = DType.fromName(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw SafeTensorsException.of(file, name, e.getMessage());
        }
        long[] shape = naturals(file, name, required(file, name, node, "shape"), "shape", -1);
        long[] offsets = naturals(file, name, required(file, name, node, "data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw SafeTensorsException.of(file, name, "data_offsets [" + begin + ", " + end + "] end before begin");
        }
        long bytes;
        try {
            long elements = 1;
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            bytes = dtype.bytesFor(elements);
        } catch (ArithmeticException e) {
            throw SafeTensorsException.of(file, name, "size of " + dtype + " " + Arrays.toString(shape)
                    + " overflows or is not whole bytes (" + e.getMessage() + ")");
        }
        if (end - begin != bytes) {
            throw SafeTensorsException.of(file, name, dtype + " " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static JsonNode required(Path file, String name, JsonNode node, String field) throws SafeTensorsException {
        JsonNode value = node.get(field);
        if (value == null) {
            throw SafeTensorsException.of(file, name, "entry has no \"" + field + "\"");
        }
        return value;
    }

    /** An array of non-negative integers fitting a long; {@code length} −1 for any length. */
    private static long[] naturals(Path file, String name, JsonNode node, String field, int length)
            throws SafeTensorsException {
        if (!node.isArray()) {
            throw SafeTensorsException.of(file, name, field + " must be an array, found " + kind(node));
        }
        if (length >= 0 && node.size() != length) {
            throw SafeTensorsException.of(file, name, field + " must have " + length + " entries, found " + node.size());
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber()) {
                throw SafeTensorsException.of(file, name, field + "[" + i + "] must be a non-negative integer, found "
                        + (v.isNumber() ? v.asText() : kind(v)));
            }
            if (!v.canConvertToLong() || v.longValue() < 0) {
                throw SafeTensorsException.of(file, name, field + "[" + i + "] = " + v.asText()
                        + (v.canConvertToLong() ? " is negative" : " is too large"));
            }
            out[i] = v.longValue();
        }
        return out;
    }

    private static void checkLayout(Path file, List<TensorEntry> entries, long dataLength) throws SafeTensorsException {
        long expectedBegin = 0;
        String previous = null;
        for (TensorEntry e : entries) {
            if (e.begin() > expectedBegin) {
                throw SafeTensorsException.of(file, e.name(), "gap in the data buffer: bytes [" + expectedBegin
                        + ", " + e.begin() + ") belong to no tensor" + (previous == null ? "" : " (after \"" + previous + "\")"));
            }
            if (e.begin() < expectedBegin) {
                throw SafeTensorsException.of(file, e.name(), "data range [" + e.begin() + ", " + e.end()
                        + ") overlaps tensor \"" + previous + "\" ending at " + expectedBegin);
            }
            if (e.end() > dataLength) {
                throw SafeTensorsException.of(file, e.name(), "data range [" + e.begin() + ", " + e.end()
                        + ") lies past the end of the data buffer (" + dataLength + " bytes; file truncated?)");
            }
            expectedBegin = e.end();
            previous = e.name();
        }
        if (expectedBegin != dataLength) {
            throw SafeTensorsException.of(file, "tensors cover " + expectedBegin + " bytes but the data buffer has "
                    + dataLength + " (trailing bytes after the last tensor)");
        }
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "the number " + node.asText();
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase();
        };
    }

    /** Names in insertion order, for callers that want them (kept small: package use only). */
    static Map<String, TensorEntry> byName(List<TensorEntry> entries) {
        Map<String, TensorEntry> map = new LinkedHashMap<>();
        for (TensorEntry e : entries) {
            map.put(e.name(), e);
        }
        return map;
    }
}
