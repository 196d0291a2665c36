package io.github.dllmquant.runtime.api;

import io.github.dllmquant.core.io.AtomicFiles;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.methods.Calibration;
import io.github.dllmquant.methods.Calibrator;
import io.github.dllmquant.methods.QuantizationReport;
import io.github.dllmquant.methods.Recipe;
import io.github.dllmquant.runtime.chat.ChatMessage;
import io.github.dllmquant.runtime.chat.ChatTemplate;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.GenerationConfig;
import io.github.dllmquant.runtime.config.ModelConfig;
import io.github.dllmquant.runtime.config.ModelFormatException;
import io.github.dllmquant.runtime.likelihood.Elbo;
import io.github.dllmquant.runtime.likelihood.MaskedNll;
import io.github.dllmquant.runtime.likelihood.NllResult;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.model.LoadOptions;
import io.github.dllmquant.runtime.sampling.CancellationToken;
import io.github.dllmquant.runtime.sampling.SamplerOutput;
import io.github.dllmquant.runtime.sampling.Sampling;
import io.github.dllmquant.runtime.sampling.StepListener;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A loaded diffusion language model (LLaDA or Dream) with its tokenizer, chat template and default
 * sampler: the entry point of the SDK.
 *
 * <pre>{@code
 * try (DiffusionModel model = DiffusionModel.load(Path.of("examples/models/tiny-llada"))) {
 *     Generation g = model.generate("37+48=", Sampling.llada().steps(8).genLength(8));
 *     System.out.println(g.text() + "  (" + g.forwardPasses() + " forward passes)");
 *
 *     // streaming and cancellation
 *     CancellationToken cancel = new CancellationToken();
 *     model.generate(Prompt.chat("Who art thou?"), model.defaultSampling(),
 *             step -> System.out.println("step " + step.step() + " unmasked " + step.positions().length), cancel);
 *
 *     // scoring
 *     double nll = model.maskedNll(ids, new int[] {3, 4}).nllSum();
 *
 *     // quantization: a new model, saved as a folder that load() reads back
 *     try (DiffusionModel q = model.quantize(Recipe.gptq().weightBits(4).groupSize(128),
 *             Calibration.defaultCorpus().samples(64), progress -> { })) {
 *         q.save(Path.of("out/tiny-llada-w4g128"));
 *         System.out.println(q.chat("37+48=", q.defaultSampling()).text());
 *     }
 * }
 * }</pre>
 *
 * <p>A LLaDA folder gets {@link io.github.dllmquant.runtime.sampling.LladaSampling} by default, a Dream
 * folder {@link io.github.dllmquant.runtime.sampling.DreamSampling}, each with the fields its
 * generation_config.json sets ({@link DefaultSampling}).
 *
 * <p>Thread safety: the weights are shared and read-only during generation, and every call keeps its
 * own canvas and random source, so one instance serves concurrent {@code generate} and scoring calls.
 * {@link #close()} must not overlap with running calls.
 */
public final class DiffusionModel implements AutoCloseable {

    /** Tokens after which the completion text is cut, when the vocabulary has them. */
    private static final List<String> STOP_TOKENS = List.of("<|endoftext|>", "<|eot_id|>", "<|im_end|>");

    private final DiffusionLm lm;
    private final Tokenizer tokenizer;
    private final GenerationConfig generationConfig;
    private final Sampling defaultSampling;
    private final Set<Integer> stopIds;
    private final MaskedNll maskedNll;
    private final Elbo elbo;
    /** Null when tokenizer_config.json has no chat template. */
    private final ChatTemplate chatTemplate;

    /** Null unless this model was made by {@link #quantize}. */
    private final QuantizationReport quantizationReport;

    private DiffusionModel(DiffusionLm lm, Tokenizer tokenizer, GenerationConfig generationConfig,
                           QuantizationReport quantizationReport) {
        this.lm = lm;
        this.quantizationReport = quantizationReport;
        this.tokenizer = tokenizer;
        this.generationConfig = generationConfig;
        this.defaultSampling = DefaultSampling.of(lm.architecture(), generationConfig);
        this.stopIds = stopIds(lm.config(), tokenizer, generationConfig);
        this.maskedNll = new MaskedNll(lm);
        this.elbo = new Elbo(lm);
        this.chatTemplate = chatTemplate(tokenizer);
    }

    private static ChatTemplate chatTemplate(Tokenizer tokenizer) {
        if (tokenizer.config().chatTemplate().isEmpty()) {
            return null;
        }
        try {
            return ChatTemplate.of(tokenizer);
        } catch (ModelFormatException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Loads a Hugging Face model folder (config.json, safetensors, tokenizer files,
     * generation_config.json); the architecture comes from config.json's {@code model_type}.
     *
     * @throws IOException if a file cannot be read; a {@link io.github.dllmquant.runtime.config.ModelFormatException}
     *     (an IOException) names the file and field or tensor when the folder is not a supported model
     */
    public static DiffusionModel load(Path folder) throws IOException {
        return load(folder, LoadOptions.defaults());
    }

    /** Loads a model folder, reporting progress while the weights are read. */
    public static DiffusionModel load(Path folder, ProgressListener progress) throws IOException {
        return load(folder, LoadOptions.defaults().withProgress(progress));
    }

    /** Loads a model folder with explicit loading options (weight storage, progress). */
    public static DiffusionModel load(Path folder, LoadOptions options) throws IOException {
        Objects.requireNonNull(folder, "folder");
        AtomicFiles.requireExists(folder);
        Tokenizer tokenizer = Tokenizers.load(folder);
        GenerationConfig generation = GenerationConfig.load(folder);
        DiffusionLm lm = DiffusionLm.load(folder, options);
        try {
            return new DiffusionModel(lm, tokenizer, generation, null);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /**
     * Wraps an already built network (a random-weight benchmark model, a model quantized in place)
     * with a tokenizer and sampling defaults. The returned model owns {@code lm} and closes it.
     */
    public static DiffusionModel of(DiffusionLm lm, Tokenizer tokenizer, GenerationConfig generationConfig) {
        return new DiffusionModel(Objects.requireNonNull(lm, "lm"), Objects.requireNonNull(tokenizer, "tokenizer"),
                Objects.requireNonNull(generationConfig, "generationConfig"), null);
    }

    /** LLaDA or Dream. */
    public Architecture architecture() {
        return lm.architecture();
    }

    /** The model's config.json facts. */
    public ModelConfig config() {
        return lm.config();
    }

    /** The folder's generation_config.json ({@link GenerationConfig#EMPTY} if it has none). */
    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /** The tokenizer. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The network itself, for forward passes and the quantization SPI. */
    public DiffusionLm network() {
        return lm;
    }

    /** The sampler settings this model uses when none are given. */
    public Sampling defaultSampling() {
        return defaultSampling;
    }

    /** Token ids after which the completion text is cut (EOS, and {@code <|eot_id|>}/{@code <|im_end|>} if present). */
    public Set<Integer> stopTokenIds() {
        return stopIds;
    }

    /** Generates after plain text with the default sampler. */
    public Generation generate(String prompt) {
        return generate(Prompt.text(prompt), defaultSampling, StepListener.NONE, new CancellationToken());
    }

    /** Generates after plain text. */
    public Generation generate(String prompt, Sampling sampling) {
        return generate(Prompt.text(prompt), sampling, StepListener.NONE, new CancellationToken());
    }

    /** Generates after plain text, building the settings first. */
    public Generation generate(String prompt, Sampling.Builder sampling) {
        return generate(prompt, sampling.build());
    }

    /** Generates after token ids used exactly as given. */
    public Generation generateIds(int[] promptIds, Sampling sampling) {
        return generate(Prompt.ids(promptIds), sampling, StepListener.NONE, new CancellationToken());
    }

    /** Generates the assistant's answer to one user message, wrapped in the model's chat template. */
    public Generation chat(String userMessage, Sampling sampling) {
        return generate(Prompt.chat(userMessage), sampling, StepListener.NONE, new CancellationToken());
    }

    /**
     * Generates after a prompt, reporting every step and honouring cancellation.
     *
     * @param listener receives each denoising step (on the calling thread)
     * @param cancel   checked before each forward pass, as is the thread's interrupt flag
     * @throws io.github.dllmquant.runtime.sampling.GenerationCancelledException if cancelled or interrupted
     * @throws IllegalArgumentException if the prompt plus the generated length exceeds the model's
     *     maximum sequence length, or a prompt id is outside the vocabulary
     */
    public Generation generate(Prompt prompt, Sampling sampling, StepListener listener, CancellationToken cancel) {
        Objects.requireNonNull(sampling, "sampling");
        int[] promptIds = promptIds(prompt);
        checkLength(promptIds.length, sampling.genLength());
        long start = System.nanoTime();
        SamplerOutput out = sampling.newSampler(lm.config().maskTokenId()).sample(lm.asLogitsFunction(), promptIds,
                Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(cancel, "cancel"));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        int[] generated = out.generatedIds();
        return new Generation(out.ids(), out.promptLength(), completionText(generated), out.steps(),
                out.forwardPasses(), elapsed, out.seed());
    }

    /**
     * The ids a prompt becomes: text is encoded with the special tokens the reference tokenizer adds
     * ({@code add_special_tokens=True}: the tokenizer.json post-processor, or {@code add_bos_token}), then
     * BOS is prepended for LLaDA unless the encoding already starts with it; a chat is rendered with
     * the chat template and encoded; ids are copied.
     */
    public int[] promptIds(Prompt prompt) {
        return switch (Objects.requireNonNull(prompt, "prompt")) {
            case Prompt.Ids ids -> ids.ids();
            case Prompt.Text text -> withBos(tokenizer.encode(text.text(), true));
            case Prompt.Chat chat -> tokenizer.encode(renderChat(chat.turns()));
        };
    }

    /**
     * The chat template of tokenizer_config.json rendered for {@code turns} with the assistant turn
     * opened ({@code add_generation_prompt}).
     *
     * @throws IllegalStateException if the folder has no chat template
     */
    public String renderChat(List<ChatMessage> turns) {
        if (chatTemplate == null) {
            throw new IllegalStateException("the model folder has no chat template (tokenizer_config.json has no "
                    + "chat_template and there is no chat_template.jinja)");
        }
        return chatTemplate.render(turns, true);
    }

    /** The completion: generated ids before the first stop token, decoded. */
    public String completionText(int[] generatedIds) {
        int end = 0;
        while (end < generatedIds.length && !stopIds.contains(generatedIds[end])) {
            end++;
        }
        return tokenizer.decode(Arrays.copyOf(generatedIds, end));
    }

    /** Encodes text without any BOS. */
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    /** Decodes ids (special tokens kept). */
    public String decode(int[] ids) {
        return tokenizer.decode(ids);
    }

    /** Logits {@code [ids.length, vocab]} of one forward pass, in the model's raw convention. */
    public float[] logits(int[] ids) {
        return lm.logits(ids);
    }

    /** Masked-token NLL of the true tokens at {@code maskedPositions}, all masked at once (spec §7). */
    public NllResult maskedNll(int[] ids, int[] maskedPositions) {
        return maskedNll.score(ids, maskedPositions);
    }

    /** Masked-token NLL with each position masked with probability {@code ratio} (seeded, at least one). */
    public NllResult maskedNll(int[] ids, double ratio, long seed) {
        return maskedNll.scoreAtRatio(ids, ratio, seed);
    }

    /** LLaDA's Monte Carlo estimate of {@code log p(answer | prompt)} with {@code mcNum} draws. */
    public double logLikelihood(int[] promptIds, int[] answerIds, int mcNum, long seed) {
        return elbo.logLikelihood(promptIds, answerIds, mcNum, seed, ProgressListener.NONE);
    }

    /** Multiple choice: the candidate continuation with the highest Monte Carlo log-likelihood. */
    public Elbo.Choice choose(int[] promptIds, List<int[]> candidates, int mcNum, long seed) {
        return elbo.choose(promptIds, candidates, mcNum, seed, ProgressListener.NONE);
    }

    /** The masked-NLL scorer of this model (windows, ratios), for evaluations. */
    public MaskedNll scorer() {
        return maskedNll;
    }

    /** The ELBO estimator of this model. */
    public Elbo elbo() {
        return elbo;
    }

    /**
     * A quantized copy of this model; this model stays as it is. The weights are read again from the
     * model's folder (F32), the recipe's method quantizes them block by block on the calibration set
     * (methods' {@link Calibrator}: capture each block's inputs, quantize, feed the next block), and the
     * result shares this model's tokenizer and sampling defaults. Close it separately.
     *
     * <pre>{@code
     * try (DiffusionModel q = model.quantize(Recipe.gptq().weightBits(4).groupSize(128),
     *         Calibration.defaultCorpus().samples(64), bar)) {
     *     q.save(Path.of("out/tiny-llada-w4g128"));
     * }
     * }</pre>
     *
     * @param progress one update per block stage; interrupting the thread stops the calibration
     * @throws IllegalStateException if this model was not loaded from a folder
     * @throws IOException if the folder cannot be read again
     */
    public DiffusionModel quantize(Recipe recipe, Calibration calibration, ProgressListener progress)
            throws IOException {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(calibration, "calibration");
        Objects.requireNonNull(progress, "progress");
        Path folder = lm.folder().orElseThrow(() -> new IllegalStateException(
                "quantize reads the weights again from the model folder, but this model was built in code"));
        DiffusionLm copy = DiffusionLm.load(folder, LoadOptions.defaults());
        try {
            QuantizationReport report = Calibrator.quantize(copy, recipe, calibration, tokenizer::encode, progress);
            return new DiffusionModel(copy, tokenizer, generationConfig, report);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /** What {@link #quantize} did (per-block losses, timing), if this model was made by it. */
    public Optional<QuantizationReport> quantizationReport() {
        return Optional.ofNullable(quantizationReport);
    }

    /**
     * Writes the model (dense or quantized) as a folder that {@link #load} reads back: config,
     * tokenizer and generation files copied, weights and quantization_config.json written; the folder
     * appears atomically.
     *
     * @throws IllegalStateException if the model was built in code rather than loaded from a folder
     */
    public void save(Path folder) throws IOException {
        lm.save(folder);
    }

    /** Releases the mapped weight files. */
    @Override
    public void close() {
        lm.close();
    }

    @Override
    public String toString() {
        return "DiffusionModel[" + lm + ", default sampling " + defaultSampling + "]";
    }

    private int[] withBos(int[] ids) {
        int bos = lm.config().bosTokenId();
        boolean wants = lm.architecture() == Architecture.LLADA; // encode(text, true) already honours add_bos_token
        if (!wants || bos < 0 || (ids.length > 0 && ids[0] == bos)) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private void checkLength(int promptLength, int genLength) {
        long total = (long) promptLength + genLength;
        if (total > lm.config().maxSequenceLength()) {
            throw new IllegalArgumentException("prompt of " + promptLength + " tokens plus " + genLength
                    + " generated exceeds the model's maximum sequence length " + lm.config().maxSequenceLength());
        }
    }

    private static Set<Integer> stopIds(ModelConfig config, Tokenizer tokenizer, GenerationConfig generation) {
        Set<Integer> ids = new LinkedHashSet<>();
        ids.add(config.eosTokenId());
        ids.addAll(generation.eosTokenIds());
        tokenizer.eosTokenId().ifPresent(ids::add);
        for (String token : STOP_TOKENS) {
            tokenizer.tokenId(token).ifPresent(ids::add);
        }
        return Set.copyOf(ids);
    }
}
