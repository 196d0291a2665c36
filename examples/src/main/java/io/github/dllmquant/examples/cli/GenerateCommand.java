package io.github.dllmquant.examples.cli;

import io.github.dllmquant.runtime.api.DiffusionModel;
import io.github.dllmquant.runtime.api.Generation;
import io.github.dllmquant.runtime.api.Prompt;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.sampling.CancellationToken;
import io.github.dllmquant.runtime.sampling.DreamAlgorithm;
import io.github.dllmquant.runtime.sampling.DreamSampling;
import io.github.dllmquant.runtime.sampling.LladaSampling;
import io.github.dllmquant.runtime.sampling.Remasking;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.sampling.StepListener;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code dllmq generate}: masked-diffusion generation from a prompt. Prints the completion on stdout
 * (and with {@code --print-ids} the whole sequence as {@code ids: 1,2,3}); speed and forward passes go
 * to stderr. Sampling options not given come from the model folder's generation_config.json.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text with a LLaDA or Dream model (LLaDA sampler for LLaDA folders, Dream sampler "
                + "for Dream folders). Options not given come from the folder's generation_config.json.")
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelFolder modelFolder;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource prompt;

    /** Exactly one of the two prompt forms. */
    static final class PromptSource {
        @Option(names = "--prompt", paramLabel = "TEXT", required = true, description = "Prompt text.")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", required = true,
                description = "Prompt token ids, comma-separated, used exactly as given (e.g. 1018,51,55).")
        int[] ids;
    }

    @Option(names = "--chat", description = "Wrap the prompt as one user message in the model's chat template.")
    boolean chat;

    @Option(names = "--steps", paramLabel = "N", description = "Denoising steps.")
    Integer steps;

    @Option(names = "--gen-length", paramLabel = "N", description = "Positions to generate.")
    Integer genLength;

    @Option(names = "--block-length", paramLabel = "N",
            description = "Semi-autoregressive block length (default: the whole generated length; for Dream, blocks "
                    + "are Fast-dLLM's block-wise decoding).")
    Integer blockLength;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature (0: greedy).")
    Double temperature;

    @Option(names = "--remasking", paramLabel = "low_confidence|random", converter = RemaskingConverter.class,
            description = "LLaDA: which positions to unmask each step.")
    Remasking remasking;

    @Option(names = "--cfg-scale", paramLabel = "S", description = "LLaDA: classifier-free guidance scale (0: none).")
    Double cfgScale;

    @Option(names = "--threshold", paramLabel = "T",
            description = "LLaDA: parallel decoding, unmask every position with confidence >= T (at least one).")
    Double threshold;

    @Option(names = "--factor", paramLabel = "F",
            description = "LLaDA: factor-based parallel decoding (largest n with (n+1)(1-c_n) < F).")
    Double factor;

    @Option(names = "--cache", paramLabel = "none|prefix|dual",
            description = "Approximate KV cache between the steps of a block (default none: exact); LLaDA and Dream.")
    String cache;

    @Option(names = "--cache-refresh", paramLabel = "block|steps:K|committed:F",
            description = "When a cache is renewed inside a block: block (only when a block starts, Fast-dLLM), steps:K "
                    + "(every K steps), committed:F (once F of the block was committed since the last refresh; default "
                    + "committed:0.5). LLaDA and Dream.")
    String cacheRefresh;

    @Option(names = "--alg", paramLabel = "entropy|maskgit_plus|topk_margin|origin",
            converter = AlgorithmConverter.class, description = "Dream: how positions are chosen each step.")
    DreamAlgorithm alg;

    @Option(names = "--alg-temp", paramLabel = "T", description = "Dream: temperature of the position choice.")
    Double algTemp;

    @Option(names = "--top-p", paramLabel = "P", description = "Dream: nucleus filter.")
    Double topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Dream: top-k filter.")
    Integer topK;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the random source (default: a fresh one).")
    Long seed;

    @Option(names = "--print-ids", description = "Also print the whole sequence (prompt and generated) as 'ids: 1,2,3'.")
    boolean printIds;

    @Override
    public Integer call() throws IOException {
        Path folder = resolveFolder();
        if (chat && prompt.text == null) {
            throw usage("--chat wraps a text prompt: use --prompt TEXT, not --prompt-ids");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ConsoleProgressBar bar = ConsoleProgressBar.onStderr();
             DiffusionModel model = DiffusionModel.load(folder, bar)) {
            Sampling sampling = sampling(model);
            Prompt p = prompt.text == null ? Prompt.ids(prompt.ids)
                    : chat ? Prompt.chat(prompt.text) : Prompt.text(prompt.text);
            Generation g;
            try {
                g = model.generate(p, sampling, StepListener.NONE, new CancellationToken());
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            out.println(g.text());
            if (printIds) {
                out.println("ids: " + Arrays.stream(g.ids()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            }
            out.flush();
            err.printf("%d tokens in %.2f s (%.1f tokens/s), %d forward passes, %d steps, seed %d%n",
                    g.ids().length - g.promptLength(), g.elapsed().toNanos() / 1e9, g.tokensPerSecond(),
                    g.forwardPasses(), g.steps(), g.seed());
            err.flush();
        }
        return 0;
    }

    private Path resolveFolder() {
        try {
            return modelFolder.resolve();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The model's default sampler with every option given on the command line applied. */
    Sampling sampling(DiffusionModel model) {
        boolean llada = model.architecture() == Architecture.LLADA;
        String wrongFamily = llada ? firstGiven("--alg", alg, "--alg-temp", algTemp, "--top-p", topP, "--top-k", topK)
                : firstGiven("--remasking", remasking, "--cfg-scale", cfgScale, "--threshold", threshold,
                        "--factor", factor);
        if (wrongFamily != null) {
            throw usage(wrongFamily + " does not apply to a " + model.architecture().modelType() + " model ("
                    + (llada ? "it is a Dream" : "it is a LLaDA") + " sampler option)");
        }
        if (threshold != null && factor != null) {
            throw usage("--threshold and --factor are exclusive");
        }
        try {
            return llada ? llada((LladaSampling) model.defaultSampling()) : dream((DreamSampling) model.defaultSampling());
        } catch (IllegalArgumentException | ClassCastException e) {
            throw usage(e.getMessage());
        }
    }

    private LladaSampling llada(LladaSampling defaults) {
        LladaSampling.Builder b = defaults.toBuilder();
        if (genLength != null) {
            b.genLength(genLength);
            if (blockLength == null) {
                b.singleBlock(); // the default block length belongs to the default gen length
            }
        }
        if (steps != null) {
            b.steps(steps);
        }
        if (blockLength != null) {
            b.blockLength(blockLength);
        }
        if (temperature != null) {
            b.temperature(temperature);
        }
        if (remasking != null) {
            b.remasking(remasking);
        }
        if (cfgScale != null) {
            b.cfgScale(cfgScale);
        }
        if (threshold != null) {
            b.threshold(threshold);
        }
        if (factor != null) {
            b.factor(factor);
        }
        if (cache != null) {
            b.cache(io.github.dllmquant.runtime.sampling.CacheMode.parse(cache));
        }
        if (cacheRefresh != null) {
            b.cacheRefresh(io.github.dllmquant.runtime.sampling.CacheRefresh.parse(cacheRefresh));
        }
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }

    private DreamSampling dream(DreamSampling defaults) {
        DreamSampling.Builder b = defaults.toBuilder();
        if (genLength != null) {
            b.genLength(genLength);
        }
        if (steps != null) {
            b.steps(steps);
        }
        if (temperature != null) {
            b.temperature(temperature);
        }
        if (alg != null) {
            b.algorithm(alg);
        }
        if (algTemp != null) {
            b.algTemp(algTemp);
        }
        if (blockLength != null) {
            b.blockLength(blockLength);
        }
        if (cache != null) {
            b.cache(io.github.dllmquant.runtime.sampling.CacheMode.parse(cache));
        }
        if (cacheRefresh != null) {
            b.cacheRefresh(io.github.dllmquant.runtime.sampling.CacheRefresh.parse(cacheRefresh));
        }
        if (topP != null) {
            b.topP(topP);
        }
        if (topK != null) {
            b.topK(topK);
        }
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }

    /** The name of the first option (name, value pairs) that was given, or null. */
    private static String firstGiven(Object... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                return (String) namesAndValues[i];
            }
        }
        return null;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Parses {@code low_confidence|random} with a message listing the accepted values. */
    static final class RemaskingConverter implements ITypeConverter<Remasking> {
        @Override
        public Remasking convert(String value) {
            try {
                return Remasking.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses {@code entropy|maskgit_plus|topk_margin|origin} with a message listing the accepted values. */
    static final class AlgorithmConverter implements ITypeConverter<DreamAlgorithm> {
        @Override
        public DreamAlgorithm convert(String value) {
            try {
                return DreamAlgorithm.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
