package io.github.dllmquant.core.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.dllmquant.core.tensor.TensorView;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A model split over several safetensors files by a {@code model.safetensors.index.json}:
 * <pre>
 *   { "metadata": { "total_size": 123, ... },           optional; values shown as text
 *     "weight_map": { "tensor name": "shard file name", ... } }
 * </pre>
 * Every shard named is opened (and validated) up front; every tensor the map lists must be in its
 * shard. Shard names must be plain file names inside the index's folder.
 */
final class ShardedTensorSource implements TensorSource {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /** An index is small; refuse to parse a huge one into a tree. */
    private static final long MAX_INDEX_BYTES = 256L << 20;

    private final Path index;
    private final Map<String, SafeTensorsFile> shardOf;
    private final List<SafeTensorsFile> shards;
    private final Map<String, String> metadata;

    private ShardedTensorSource(Path index, Map<String, SafeTensorsFile> shardOf, List<SafeTensorsFile> shards,
                                Map<String, String> metadata) {
        this.index = index;
        this.shardOf = shardOf;
        this.shards = shards;
        this.metadata = metadata;
    }

    static ShardedTensorSource open(Path index) throws IOException {
        long size = Files.size(index);
        if (size > MAX_INDEX_BYTES) {
            throw SafeTensorsException.of(index, "index file has " + size + " bytes, more than the limit " + MAX_INDEX_BYTES);
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(index));
        } catch (JacksonException e) {
            throw SafeTensorsException.of(index, "index is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw SafeTensorsException.of(index, "index is not a JSON object");
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw SafeTensorsException.of(index, "index has no \"weight_map\" object");
        }
        Map<String, String> metadata = new TreeMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && meta.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
            }
        } else if (meta != null && !meta.isNull()) {
            throw SafeTensorsException.of(index, "index \"metadata\" must be an object");
        }
        Path folder = index.toAbsolutePath().getParent();
        Map<String, SafeTensorsFile> byShardName = new LinkedHashMap<>();
        Map<String, SafeTensorsFile> shardOf = new TreeMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String tensor = e.getKey();
                if (!e.getValue().isTextual()) {
                    throw SafeTensorsException.of(index, tensor, "weight_map value must be a shard file name, found "
                            + e.getValue());
                }
                String shardName = e.getValue().textValue();
                SafeTensorsFile shard = byShardName.get(shardName);
                if (shard == null) {
                    Path shardPath = shardPath(index, folder, tensor, shardName);
                    shard = SafeTensorsFile.open(shardPath);
                    byShardName.put(shardName, shard);
                }
                if (!shard.contains(tensor)) {
                    throw SafeTensorsException.of(index, tensor, "weight_map puts it in " + shardName
                            + " but that shard has no such tensor");
                }
                shardOf.put(tensor, shard);
            }
        } catch (IOException | RuntimeException e) {
            byShardName.values().forEach(SafeTensorsFile::close);
            throw e;
        }
        return new ShardedTensorSource(index, Collections.unmodifiableMap(shardOf),
                List.copyOf(byShardName.values()), Collections.unmodifiableMap(metadata));
    }

    private static Path shardPath(Path index, Path folder, String tensor, String shardName) throws SafeTensorsException {
        Path p;
        try {
            p = Path.of(shardName);
        } catch (RuntimeException e) {
            throw SafeTensorsException.of(index, tensor, "shard name \"" + shardName + "\" is not a valid file name");
        }
        if (shardName.isEmpty() || p.isAbsolute() || p.getNameCount() != 1 || shardName.equals("..") || shardName.equals(".")) {
            throw SafeTensorsException.of(index, tensor, "shard name \"" + shardName
                    + "\" must be a plain file name in the index's folder");
        }
        Path resolved = folder.resolve(p);
        if (!Files.isRegularFile(resolved)) {
            throw SafeTensorsException.of(index, tensor, "shard file " + resolved + " does not exist");
        }
        return resolved;
    }

    /** The opened shard files. */
    List<SafeTensorsFile> shards() {
        return shards;
    }

    @Override
    public Set<String> names() {
        return shardOf.keySet();
    }

    @Override
    public TensorView tensor(String name) throws SafeTensorsException {
        SafeTensorsFile shard = shardOf.get(name);
        if (shard == null) {
            throw SafeTensorsFile.missing(index, name, shardOf.keySet());
        }
        return shard.tensor(name);
    }

    @Override
    public boolean contains(String name) {
        return shardOf.containsKey(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        List<SafeTensorsFile> copy = new ArrayList<>(shards);
        copy.forEach(SafeTensorsFile::close);
    }

    @Override
    public String toString() {
        return "ShardedTensorSource[" + index + ", " + shards.size() + " shards, " + shardOf.size() + " tensors]";
    }
}
