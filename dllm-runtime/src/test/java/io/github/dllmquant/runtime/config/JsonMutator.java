package io.github.dllmquant.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded mutations of JSON documents for the fuzz tests: structural edits of the tree (drop a field,
 * replace a value by one of another type or an extreme one, duplicate, nest) and byte-level edits of
 * the text (truncate, splice, insert noise). Deterministic for a given seed.
 */
public final class JsonMutator {

    /** Iterations per fuzz target: small in the normal suite, {@code -Ddllmq.fuzz.iterations=100000} for a long run. */
    public static int iterations(int normalSuiteDefault) {
        return Integer.getInteger("dllmq.fuzz.iterations", normalSuiteDefault);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final SplittableRandom random;

    public JsonMutator(long seed) {
        random = new SplittableRandom(seed);
    }

    /** One mutated text of {@code original}: tree edits most of the time, raw text edits otherwise. */
    public String mutate(JsonNode original) {
        if (random.nextInt(5) == 0) {
            return mutateText(original.toString());
        }
        JsonNode copy = original.deepCopy();
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits; i++) {
            copy = mutateTree(copy);
        }
        return copy.toString();
    }

    private JsonNode mutateTree(JsonNode root) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers, 0);
        if (containers.isEmpty()) {
            return randomValue(0);
        }
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode obj && !obj.isEmpty()) {
            List<String> names = new ArrayList<>();
            obj.fieldNames().forEachRemaining(names::add);
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(4)) {
                case 0 -> obj.remove(name);
                case 1 -> obj.set(name, randomValue(0));
                case 2 -> obj.set(name + (random.nextBoolean() ? "_x" : ""), randomValue(0));
                default -> obj.set(name, perturb(obj.get(name)));
            }
        } else if (target instanceof ArrayNode arr && !arr.isEmpty()) {
            int i = random.nextInt(arr.size());
            switch (random.nextInt(3)) {
                case 0 -> arr.remove(i);
                case 1 -> arr.set(i, randomValue(0));
                default -> arr.set(i, perturb(arr.get(i)));
            }
        }
        return root;
    }

    /** A value close to the original: the number shifted, negated or made huge; a string edited. */
    private JsonNode perturb(JsonNode v) {
        if (v.isIntegralNumber()) {
            long x = v.longValue();
            long[] choices = {0, -x, x + 1, x - 1, x * 1000, Integer.MAX_VALUE, Long.MAX_VALUE, -1};
            return F.numberNode(choices[random.nextInt(choices.length)]);
        }
        if (v.isNumber()) {
            double[] choices = {0.0, -v.doubleValue(), v.doubleValue() * 1e300, 1e-320, 0.5};
            return F.numberNode(choices[random.nextInt(choices.length)]);
        }
        if (v.isTextual()) {
            String s = v.textValue();
            if (s.isEmpty()) {
                return F.textNode(randomString());
            }
            int cut = random.nextInt(s.length() + 1);
            return switch (random.nextInt(3)) {
                case 0 -> F.textNode(s.substring(0, cut));
                case 1 -> F.textNode(s.substring(0, cut) + randomString() + s.substring(cut));
                default -> F.textNode(s.toUpperCase());
            };
        }
        if (v.isBoolean()) {
            return F.booleanNode(!v.booleanValue());
        }
        return randomValue(0);
    }

    private JsonNode randomValue(int depth) {
        return switch (random.nextInt(depth > 2 ? 7 : 9)) {
            case 0 -> F.nullNode();
            case 1 -> F.numberNode(random.nextInt(-5, 5));
            case 2 -> F.numberNode(random.nextLong());
            case 3 -> F.numberNode(random.nextDouble() * 1e6 - 5e5);
            case 4 -> F.textNode(randomString());
            case 5 -> F.booleanNode(random.nextBoolean());
            case 6 -> F.textNode("");
            case 7 -> {
                ArrayNode a = F.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(randomValue(depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = F.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.set(randomString(), randomValue(depth + 1));
                }
                yield o;
            }
        };
    }

    private String randomString() {
        String[] pool = {"llada", "Dream", "silu", "BPE", "ByteLevel", "Split", "Isolated", "-1", "1e9", "\u0000",
                "ü", "😀", "(", "[\\p{L}", "\\s+", "a b", "Ġ", "<|mdm_mask|>", "{", "null"};
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(1, 3); i > 0; i--) {
            sb.append(pool[random.nextInt(pool.length)]);
        }
        return sb.toString();
    }

    private String mutateText(String text) {
        StringBuilder sb = new StringBuilder(text);
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && !sb.isEmpty(); i++) {
            int pos = random.nextInt(sb.length());
            switch (random.nextInt(4)) {
                case 0 -> sb.setLength(pos);
                case 1 -> sb.deleteCharAt(pos);
                case 2 -> sb.insert(pos, "{}[],:\"\\0e-9 ".charAt(random.nextInt(13)));
                default -> sb.insert(pos, (char) random.nextInt(0x10000));
            }
        }
        return sb.toString();
    }

    private void collect(JsonNode node, List<JsonNode> out, int depth) {
        if (node.isContainerNode()) {
            out.add(node);
            if (depth > 6) {
                return;
            }
            Iterator<JsonNode> it = node.elements();
            // sample children of big containers (vocabularies) instead of walking all of them
            int index = 0;
            while (it.hasNext()) {
                JsonNode child = it.next();
                if (child.isContainerNode() && (index < 8 || random.nextInt(64) == 0)) {
                    collect(child, out, depth + 1);
                }
                index++;
            }
        }
    }

    /** Parses JSON text (test helper). */
    public static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
