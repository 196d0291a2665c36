package io.github.dllmquant.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The sampling defaults a model folder ships in generation_config.json, in either dialect:
 * LLaDA ({@code steps, gen_length, block_length, temperature, remasking, cfg_scale}) or Dream
 * ({@code alg, alg_temp, steps, max_new_tokens, eps, temperature, top_p, top_k}). Every field is
 * optional; the samplers apply their own defaults for what is absent. {@link #EMPTY} stands for a
 * folder without the file.
 *
 * @param steps        denoising steps
 * @param genLength    LLaDA: generated positions
 * @param blockLength  LLaDA: semi-autoregressive block length
 * @param temperature  sampling temperature ({@code >= 0})
 * @param remasking    LLaDA: {@code low_confidence} or {@code random}
 * @param cfgScale     LLaDA: classifier-free guidance scale ({@code >= 0})
 * @param alg          Dream: {@code origin}, {@code maskgit_plus}, {@code topk_margin} or {@code entropy}
 * @param algTemp      Dream: temperature of the position choice ({@code >= 0})
 * @param maxNewTokens Dream: generated positions
 * @param eps          Dream: last timestep ({@code 0 < eps < 1})
 * @param topP         nucleus mass ({@code 0 < p <= 1})
 * @param topK         top-k cut ({@code > 0})
 * @param maskTokenId  mask token
 * @param eosTokenIds  end-of-sequence tokens (HF allows several)
 * @param padTokenId   padding token
 * @param bosTokenId   beginning-of-sequence token
 */
public record GenerationConfig(OptionalInt steps, OptionalInt genLength, OptionalInt blockLength,
                               OptionalDouble temperature, Optional<String> remasking, OptionalDouble cfgScale,
                               Optional<String> alg, OptionalDouble algTemp, OptionalInt maxNewTokens,
                               OptionalDouble eps, OptionalDouble topP, OptionalInt topK,
                               OptionalInt maskTokenId, List<Integer> eosTokenIds, OptionalInt padTokenId,
                               OptionalInt bosTokenId) {

    /** LLaDA remasking strategies. */
    public static final Set<String> REMASKING = Set.of("low_confidence", "random");
    /** Dream position-choice algorithms. */
    public static final Set<String> ALGORITHMS = Set.of("origin", "maskgit_plus", "topk_margin", "entropy");

    /** No defaults at all (the folder has no generation_config.json). */
    public static final GenerationConfig EMPTY = new GenerationConfig(OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty(), OptionalDouble.empty(), Optional.empty(), OptionalDouble.empty(), Optional.empty(),
            OptionalDouble.empty(), OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
            OptionalInt.empty(), OptionalInt.empty(), List.of(), OptionalInt.empty(), OptionalInt.empty());

    public GenerationConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * Reads {@code generation_config.json} of a model folder (or the given file); {@link #EMPTY} when a
     * folder has none.
     */
    public static GenerationConfig load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("generation_config.json") : path;
        if (Files.isDirectory(path) && !Files.exists(file)) {
            return EMPTY;
        }
        return parse(JsonFields.read(file));
    }

    /** Parses generation_config.json text; {@code source} names it in error messages. */
    public static GenerationConfig parse(String json, Path source) throws ModelFormatException {
        return parse(JsonFields.parse(source, json));
    }

    private static GenerationConfig parse(JsonFields f) throws ModelFormatException {
        OptionalInt steps = positive(f, "steps");
        OptionalInt genLength = positive(f, "gen_length");
        OptionalInt blockLength = positive(f, "block_length");
        OptionalDouble temperature = nonNegative(f, "temperature");
        Optional<String> remasking = oneOf(f, "remasking", REMASKING);
        OptionalDouble cfgScale = nonNegative(f, "cfg_scale");
        Optional<String> alg = oneOf(f, "alg", ALGORITHMS);
        OptionalDouble algTemp = nonNegative(f, "alg_temp");
        OptionalInt maxNewTokens = positive(f, "max_new_tokens");
        OptionalDouble eps = f.optionalDouble("eps");
        if (eps.isPresent() && !(eps.getAsDouble() > 0 && eps.getAsDouble() < 1)) {
            throw f.error("eps", "must be in (0, 1), got " + eps.getAsDouble());
        }
        OptionalDouble topP = f.optionalDouble("top_p");
        if (topP.isPresent() && !(topP.getAsDouble() > 0 && topP.getAsDouble() <= 1)) {
            throw f.error("top_p", "must be in (0, 1], got " + topP.getAsDouble());
        }
        OptionalInt topK = positive(f, "top_k");
        OptionalInt mask = nonNegativeInt(f, "mask_token_id");
        List<Integer> eos = f.intOrList("eos_token_id");
        for (int id : eos) {
            if (id < 0) {
                throw f.error("eos_token_id", "token ids must be >= 0, got " + id);
            }
        }
        return new GenerationConfig(steps, genLength, blockLength, temperature, remasking, cfgScale, alg, algTemp,
                maxNewTokens, eps, topP, topK, mask, eos, nonNegativeInt(f, "pad_token_id"),
                nonNegativeInt(f, "bos_token_id"));
    }

    private static OptionalInt positive(JsonFields f, String field) throws ModelFormatException {
        OptionalInt v = f.optionalInt(field);
        if (v.isPresent() && v.getAsInt() <= 0) {
            throw f.error(field, "must be positive, got " + v.getAsInt());
        }
        return v;
    }

    private static OptionalInt nonNegativeInt(JsonFields f, String field) throws ModelFormatException {
        OptionalInt v = f.optionalInt(field);
        if (v.isPresent() && v.getAsInt() < 0) {
            throw f.error(field, "must be >= 0, got " + v.getAsInt());
        }
        return v;
    }

    private static OptionalDouble nonNegative(JsonFields f, String field) throws ModelFormatException {
        OptionalDouble v = f.optionalDouble(field);
        if (v.isPresent() && v.getAsDouble() < 0) {
            throw f.error(field, "must be >= 0, got " + v.getAsDouble());
        }
        return v;
    }

    private static Optional<String> oneOf(JsonFields f, String field, Set<String> allowed) throws ModelFormatException {
        Optional<String> v = f.optionalString(field);
        if (v.isPresent() && !allowed.contains(v.get())) {
            throw f.error(field, "unsupported value \"" + v.get() + "\"; supported: "
                    + allowed.stream().sorted().toList());
        }
        return v;
    }
}
