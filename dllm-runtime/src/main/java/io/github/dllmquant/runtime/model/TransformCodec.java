package io.github.dllmquant.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.dllmquant.core.hadamard.HadamardTransform;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.safetensors.TensorSource;
import io.github.dllmquant.core.tensor.TensorView;
import io.github.dllmquant.methods.ColumnPermutation;
import io.github.dllmquant.methods.duquant.DuQuantTransform;
import io.github.dllmquant.runtime.config.ModelFormatException;

import java.io.IOException;
import java.util.Map;

/**
 * The saved form of the online input transforms: a small JSON description in quantization_config.json
 * plus the transform's arrays as tensors under a name prefix.
 * <pre>
 *   hadamard     {"type":"hadamard","kind":"FULL|HEADS","width":W,"heads":H,"had_k":K,"signed":b}
 *                PREFIX.signs  I8 [W] (±1, only when signed)
 *   duquant      {"type":"duquant","width":W,"block_size":B}
 *                PREFIX.r1 F32 [B, B], PREFIX.perm I32 [W], PREFIX.r2 F32 [B, B]
 *   permutation  {"type":"permutation","width":W}
 *                PREFIX.perm I32 [W]
 * </pre>
 * One transform instance used by several layers (DuQuant's q/k/v and gate/up share theirs) is written once:
 * the first layer's description gets its tensors, every later one the same description plus
 * {@code "tensors": "FIRST_PREFIX"} naming where they are (format version 2). Reading gives those layers
 * one shared instance again, so the runtime applies it once per group.
 */
final class TransformCodec {

    private TransformCodec() {
    }

    /** The key naming the prefix of a shared transform's tensors. */
    static final String SHARED_TENSORS = "tensors";

    /**
     * Writes {@code t}'s arrays under {@code prefix} and returns its description; a transform already in
     * {@code written} (by identity) gets only a description pointing at its first prefix.
     *
     * @param written transforms written so far in this folder and their prefixes; updated
     */
    static ObjectNode write(InputTransform t, String prefix, SafeTensorsWriter writer, String layer,
                            Map<InputTransform, String> written) {
        String first = written.get(t);
        if (first != null) {
            ObjectNode n = describe(t, first, null, layer);
            n.put(SHARED_TENSORS, first);
            return n;
        }
        written.put(t, prefix);
        return describe(t, prefix, writer, layer);
    }

    /** The description of {@code t}; its arrays go under {@code prefix} when {@code writer} is not null. */
    private static ObjectNode describe(InputTransform t, String prefix, SafeTensorsWriter writer, String layer) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("width", t.width());
        if (t instanceof HadamardTransform h) {
            HadamardTransform.Spec spec = h.spec();
            n.put("type", "hadamard");
            n.put("kind", spec.kind().name());
            n.put("heads", spec.heads());
            n.put("had_k", spec.hadK());
            n.put("signed", spec.signs() != null);
            if (spec.signs() != null && writer != null) {
                writer.addI8(prefix + ".signs", new long[] {spec.width()}, spec.signs());
            }
        } else if (t instanceof DuQuantTransform d) {
            int b = d.blockSize();
            n.put("type", "duquant");
            n.put("block_size", b);
            if (writer != null) {
                writer.addF32(prefix + ".r1", new long[] {b, b}, d.r1());
                writer.addI32(prefix + ".perm", new long[] {d.width()}, d.permutation());
                writer.addF32(prefix + ".r2", new long[] {b, b}, d.r2());
            }
        } else if (t instanceof ColumnPermutation p) {
            n.put("type", "permutation");
            if (writer != null) {
                writer.addI32(prefix + ".perm", new long[] {p.width()}, p.permutation());
            }
        } else {
            throw new IllegalArgumentException("layer " + layer + ": the online transform " + t.describe() + " ("
                    + t.getClass().getSimpleName() + ") has no saved form; supported: HadamardTransform, "
                    + "DuQuantTransform, ColumnPermutation");
        }
        return n;
    }

    /**
     * Rebuilds a transform from its description and the tensors under {@code prefix}, or under the prefix its
     * {@code "tensors"} names; descriptions naming the same tensors give the same instance.
     *
     * @param cache transforms rebuilt so far in this folder, by tensor prefix and description; updated
     */
    static InputTransform read(JsonNode n, String prefix, TensorSource source, String layer,
                               Map<String, InputTransform> cache) throws IOException {
        String tensors = prefix;
        JsonNode description = n;
        if (n.has(SHARED_TENSORS)) {
            tensors = n.path(SHARED_TENSORS).asText("");
            if (tensors.isEmpty()) {
                throw new ModelFormatException("layer " + layer + ": \"" + SHARED_TENSORS + "\" of its transform must name a tensor prefix");
            }
            ObjectNode own = n.deepCopy();
            own.remove(SHARED_TENSORS);
            description = own;
        }
        String key = tensors + " " + description;
        InputTransform known = cache.get(key);
        if (known == null) {
            known = build(description, tensors, source, layer);
            cache.put(key, known);
        }
        return known;
    }

    private static InputTransform build(JsonNode n, String prefix, TensorSource source, String layer) throws IOException {
        String type = n.path("type").asText();
        int width = n.path("width").asInt(-1);
        try {
            return switch (type) {
                case "hadamard" -> {
                    byte[] signs = n.path("signed").asBoolean(false) ? tensor(source, prefix + ".signs").toByteArray() : null;
                    yield HadamardTransform.fromSpec(new HadamardTransform.Spec(
                            HadamardTransform.Kind.valueOf(n.path("kind").asText()), width, n.path("heads").asInt(-1),
                            n.path("had_k").asInt(-1), signs));
                }
                case "duquant" -> DuQuantTransform.of(width, n.path("block_size").asInt(-1),
                        tensor(source, prefix + ".r1").toFloatArray(), tensor(source, prefix + ".perm").toIntArray(),
                        tensor(source, prefix + ".r2").toFloatArray());
                case "permutation" -> new ColumnPermutation(tensor(source, prefix + ".perm").toIntArray());
                default -> throw new ModelFormatException("layer " + layer + ": unknown transform type \"" + type
                        + "\" (supported: hadamard, duquant, permutation)");
            };
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("layer " + layer + ": invalid " + type + " transform: " + e.getMessage(), e);
        }
    }

    private static TensorView tensor(TensorSource source, String name) throws IOException {
        if (!source.contains(name)) {
            throw new ModelFormatException("transform tensor " + name + " is missing");
        }
        return source.tensor(name);
    }
}
