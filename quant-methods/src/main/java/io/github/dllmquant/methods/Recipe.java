package io.github.dllmquant.methods;

import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.methods.awq.Awq;
import io.github.dllmquant.methods.duquant.DuQuant;
import io.github.dllmquant.methods.quarot.QuaRot;
import io.github.dllmquant.methods.smoothquant.SmoothQuant;
import io.github.dllmquant.methods.gptq.GptqMethod;
import io.github.dllmquant.methods.gptq.GptqSettings;
import io.github.dllmquant.methods.rtn.Rtn;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An immutable quantization recipe: which method, the scheme (weight bits and group size, activation
 * bits) and the method's knobs. Every setter returns a new recipe; {@link #build()} makes the
 * {@link QuantizationMethod}.
 * <pre>{@code
 *   Recipe.gptq().scheme("w4a16").groupSize(128).build();
 *   Recipe.rtn().scheme("w8a8").build();
 *   Recipe.awq().weightBits(3).build();
 * }</pre>
 *
 * <p>Defaults live here, in one place: 4-bit weights; group size 128 for weight-only schemes and per
 * channel when activations are quantized; activations 16-bit (weight-only), symmetric, no clipping;
 * GPTQ damp 0.01, lazy block 128, act-order and static groups off, true-sequential on; AWQ asymmetric on
 * its own grid with a 20-point scale grid and clip search. Embeddings, norms and the LM head stay in full
 * precision unless {@link #quantizeLmHead(boolean)}.
 *
 * <p>A method is added with one factory: {@code custom("name", MyMethod::fromRecipe)} plus its defaults;
 * the factory reads what it needs from the recipe (the common getters, or {@link #optionValue} for knobs of its
 * own).
 */
public final class Recipe {

    private static final Pattern SCHEME = Pattern.compile("w(\\d)a(\\d+)(?:[-_ ]?g(-?\\d+))?");

    private final String method;
    private final Function<Recipe, QuantizationMethod> factory;
    private final int weightBits;
    private final Integer groupSize;      // null: automatic (128 weight-only, per channel otherwise)
    private final boolean symmetric;
    private final WeightQuantizer.Grid grid;
    private final boolean mseClip;
    private final int activationBits;
    private final boolean activationSymmetric;
    private final float activationClip;
    private final double damp;
    private final int blockSize;
    private final boolean actOrder;
    private final boolean staticGroups;
    private final boolean trueSequential;
    private final double alpha;
    private final int awqGridPoints;
    private final boolean clipSearch;
    private final boolean quantizeLmHead;
    private final int embeddingBits;
    private final int lmHeadBits;
    private final Map<String, String> options;

    private Recipe(Values v) {
        this.method = v.method;
        this.factory = v.factory;
        this.weightBits = v.weightBits;
        this.groupSize = v.groupSize;
        this.symmetric = v.symmetric;
        this.grid = v.grid;
        this.mseClip = v.mseClip;
        this.activationBits = v.activationBits;
        this.activationSymmetric = v.activationSymmetric;
        this.activationClip = v.activationClip;
        this.damp = v.damp;
        this.blockSize = v.blockSize;
        this.actOrder = v.actOrder;
        this.staticGroups = v.staticGroups;
        this.trueSequential = v.trueSequential;
        this.alpha = v.alpha;
        this.awqGridPoints = v.awqGridPoints;
        this.clipSearch = v.clipSearch;
        this.quantizeLmHead = v.quantizeLmHead;
        this.embeddingBits = v.embeddingBits;
        this.lmHeadBits = v.lmHeadBits;
        this.options = Map.copyOf(v.options);
    }

    // ---------------------------------------------------------------- methods

    /** Round to nearest on the GPTQ min/max grid, symmetric. */
    public static Recipe rtn() {
        return custom("rtn", r -> new Rtn(r.weightQuantizer(), r.activationQuantizer()));
    }

    /** GPTQ, symmetric, damp 0.01, block 128, no act-order (the study's settings). */
    public static Recipe gptq() {
        return custom("gptq", r -> new GptqMethod(
                new GptqSettings(r.weightQuantizer(), r.damp(), GptqSettings.DEFAULT_DAMP_INCREMENT, r.blockSize(),
                        r.actOrder(), r.staticGroups()),
                r.activationQuantizer(), r.trueSequential()));
    }

    /** AWQ: asymmetric on llm-awq's grid, 20-point scale search, clip search. */
    public static Recipe awq() {
        return custom("awq", Awq::fromRecipe).symmetric(false).grid(WeightQuantizer.Grid.AWQ);
    }

    /** SmoothQuant at W8A8, α 0.5, per-channel symmetric weights, symmetric per-token activations. */
    public static Recipe smoothQuant() {
        return custom("smoothquant", SmoothQuant::fromRecipe).weightBits(8).activationBits(8);
    }

    /** QuaRot at W4A4: rotations, GPTQ weights with MSE clip on the signed grid, symmetric per-token activations. */
    public static Recipe quarot() {
        return custom("quarot", QuaRot::fromRecipe).weightBits(4).activationBits(4).mseClip(true);
    }

    /** DuQuant at W4A4: smoothing α 0.6, block rotations and zigzag, asymmetric activations (clip 0.9), swc 0.8. */
    public static Recipe duquant() {
        return custom("duquant", DuQuant::fromRecipe).weightBits(4).activationBits(4).activationSymmetric(false);
    }

    /**
     * A recipe for any method: {@code factory} builds it from the recipe when {@link #build()} is called.
     *
     * @param name    short method name, for example {@code "smoothquant"}
     * @param factory reads the recipe's settings and returns the configured method
     */
    public static Recipe custom(String name, Function<Recipe, QuantizationMethod> factory) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(factory, "factory");
        Values v = new Values();
        v.method = name;
        v.factory = factory;
        return new Recipe(v);
    }

    /** Builds the configured method. */
    public QuantizationMethod build() {
        return factory.apply(this);
    }

    // ---------------------------------------------------------------- scheme

    /**
     * Sets weight and activation bits (and optionally the group size) from a scheme name such as
     * {@code "w4a16"}, {@code "w3a16"}, {@code "w2a16"}, {@code "w8a16"}, {@code "w8a8"}, {@code "w4a8"},
     * {@code "w4a4"}, or with a group: {@code "w4a16g128"}, {@code "w4a16-g64"}, {@code "w8a8g-1"}.
     *
     * @throws IllegalArgumentException naming the scheme when it does not parse
     */
    public Recipe scheme(String scheme) {
        Matcher m = SCHEME.matcher(scheme.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("unknown scheme '" + scheme
                    + "': expected wNaM with N in 2..8 and M in 4, 8, 16, optionally followed by gSIZE (e.g. w4a16g128)");
        }
        Recipe r = weightBits(Integer.parseInt(m.group(1))).activationBits(Integer.parseInt(m.group(2)));
        return m.group(3) == null ? r : r.groupSize(Integer.parseInt(m.group(3)));
    }

    /** Weight bits, 2..8. */
    public Recipe weightBits(int bits) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("weight bits must be in 2..8, got " + bits);
        }
        return with(v -> v.weightBits = bits);
    }

    /** Columns per group along {@code in}, or {@code -1} per output channel. */
    public Recipe groupSize(int size) {
        if (size != -1 && size <= 0) {
            throw new IllegalArgumentException("group size must be positive or -1 (per channel), got " + size);
        }
        return with(v -> v.groupSize = size);
    }

    /** Symmetric or asymmetric weight grid. */
    public Recipe symmetric(boolean on) {
        return with(v -> v.symmetric = on);
    }

    /** Which toolkit's scale/zero formulas the weight grid uses. */
    public Recipe grid(WeightQuantizer.Grid g) {
        Objects.requireNonNull(g, "grid");
        return with(v -> v.grid = g);
    }

    /** GPTQ-style MSE clip search of each group's range. */
    public Recipe mseClip(boolean on) {
        return with(v -> v.mseClip = on);
    }

    /** Activation bits: 16 (weight-only), 8 or 4 (per-token dynamic quantization on the integer kernels). */
    public Recipe activationBits(int bits) {
        if (bits != 4 && bits != 8 && bits != 16) {
            throw new IllegalArgumentException("activation bits must be 4, 8 or 16 (weight-only), got " + bits);
        }
        return with(v -> v.activationBits = bits);
    }

    /** Symmetric (default) or asymmetric per-token activation quantization. */
    public Recipe activationSymmetric(boolean on) {
        return with(v -> v.activationSymmetric = on);
    }

    /** Activation clip ratio in (0, 1] (default 1). */
    public Recipe activationClip(double ratio) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("activation clip ratio must be in (0, 1], got " + ratio);
        }
        return with(v -> v.activationClip = (float) ratio);
    }

    // ---------------------------------------------------------------- method knobs

    /** GPTQ damping as a fraction of the mean Hessian diagonal (default 0.01). */
    public Recipe damp(double percdamp) {
        if (!(percdamp > 0 && percdamp < 1)) {
            throw new IllegalArgumentException("damp must be in (0, 1), got " + percdamp);
        }
        return with(v -> v.damp = percdamp);
    }

    /** GPTQ lazy batch columns (default 128). */
    public Recipe blockSize(int columns) {
        if (columns <= 0) {
            throw new IllegalArgumentException("block size must be positive, got " + columns);
        }
        return with(v -> v.blockSize = columns);
    }

    /** GPTQ act-order ({@code desc_act}). */
    public Recipe actOrder(boolean on) {
        return with(v -> v.actOrder = on);
    }

    /** GPTQ static groups. */
    public Recipe staticGroups(boolean on) {
        return with(v -> v.staticGroups = on);
    }

    /** One block forward per linear group (default) or one forward for the whole block. */
    public Recipe trueSequential(boolean on) {
        return with(v -> v.trueSequential = on);
    }

    /** Migration strength of smoothing methods (SmoothQuant, DuQuant), in (0, 1]. */
    public Recipe alpha(double a) {
        if (!(a > 0 && a <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + a);
        }
        return with(v -> v.alpha = a);
    }

    /** AWQ scale grid points (default 20: ratios 0, 0.05, …, 0.95). */
    public Recipe awqGridPoints(int points) {
        if (points < 1) {
            throw new IllegalArgumentException("AWQ grid points must be at least 1, got " + points);
        }
        return with(v -> v.awqGridPoints = points);
    }

    /** AWQ clip search (default on). */
    public Recipe clipSearch(boolean on) {
        return with(v -> v.clipSearch = on);
    }

    /**
     * Bits of the embedding table (round to nearest, asymmetric, the recipe's group size when it divides
     * the hidden width, else one group per row; rows are dequantized on lookup), or 0 to keep it in full
     * precision (the default).
     */
    public Recipe embeddingBits(int bits) {
        if (bits != 0 && (bits < 2 || bits > 8)) {
            throw new IllegalArgumentException("embedding bits must be 0 (full precision) or 2..8, got " + bits);
        }
        return with(v -> v.embeddingBits = bits);
    }

    /** Also quantize the LM head (round to nearest, weight-only, the scheme's weight bits); off by default. */
    public Recipe quantizeLmHead(boolean on) {
        return with(v -> {
            v.quantizeLmHead = on;
            v.lmHeadBits = 0;
        });
    }

    /**
     * Quantize the LM head to {@code bits} (2..8, round to nearest, weight-only, the recipe's group size
     * when it divides the hidden width, else per channel), or keep it in full precision with 0 (the
     * default).
     */
    public Recipe lmHeadBits(int bits) {
        if (bits != 0 && (bits < 2 || bits > 8)) {
            throw new IllegalArgumentException("LM head bits must be 0 (full precision) or 2..8, got " + bits);
        }
        return with(v -> {
            v.quantizeLmHead = bits != 0;
            v.lmHeadBits = bits;
        });
    }

    /** A method-specific option not covered by the typed setters (read with {@link #optionValue}). */
    public Recipe option(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return with(v -> v.options.put(key, value));
    }

    // ---------------------------------------------------------------- getters

    /** The method's short name. */
    public String method() {
        return method;
    }

    /** Weight bits. */
    public int weightBits() {
        return weightBits;
    }

    /** The group size in effect: explicit, else 128 for weight-only schemes and -1 (per channel) otherwise. */
    public int groupSize() {
        if (groupSize != null) {
            return groupSize;
        }
        return weightOnly() ? 128 : -1;
    }

    /** Whether the weight grid is symmetric. */
    public boolean symmetric() {
        return symmetric;
    }

    /** The weight grid's formulas. */
    public WeightQuantizer.Grid grid() {
        return grid;
    }

    /** Whether the MSE clip search is on. */
    public boolean mseClip() {
        return mseClip;
    }

    /** Activation bits (16 = weight-only). */
    public int activationBits() {
        return activationBits;
    }

    /** Whether activations stay in float. */
    public boolean weightOnly() {
        return activationBits == 16;
    }

    /** Whether activation quantization is symmetric. */
    public boolean activationSymmetric() {
        return activationSymmetric;
    }

    /** The activation clip ratio. */
    public double activationClip() {
        return activationClip;
    }

    /** GPTQ damping. */
    public double damp() {
        return damp;
    }

    /** GPTQ lazy batch columns. */
    public int blockSize() {
        return blockSize;
    }

    /** GPTQ act-order. */
    public boolean actOrder() {
        return actOrder;
    }

    /** GPTQ static groups. */
    public boolean staticGroups() {
        return staticGroups;
    }

    /** One forward per linear group. */
    public boolean trueSequential() {
        return trueSequential;
    }

    /** Smoothing strength, or NaN when not set (each method then uses its own default). */
    public double alpha() {
        return alpha;
    }

    /** AWQ scale grid points. */
    public int awqGridPoints() {
        return awqGridPoints;
    }

    /** AWQ clip search. */
    public boolean clipSearch() {
        return clipSearch;
    }

    /** Bits of the LM head: 0 when it stays in full precision, else its own bits or the scheme's weight bits. */
    public int lmHeadBits() {
        return !quantizeLmHead ? 0 : lmHeadBits != 0 ? lmHeadBits : weightBits;
    }

    /** Bits of the embedding table, 0 when it stays in full precision. */
    public int embeddingBits() {
        return embeddingBits;
    }

    /** Whether the LM head is quantized too. */
    public boolean quantizeLmHead() {
        return quantizeLmHead;
    }

    /** A method-specific option, or {@code fallback} when unset. */
    public String optionValue(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /** The weight grid these settings describe. */
    public WeightQuantizer weightQuantizer() {
        return new WeightQuantizer(weightBits, groupSize(), symmetric, grid, mseClip);
    }

    /** Per-token activation quantization, or {@code null} for weight-only schemes. */
    public ActivationQuantizer activationQuantizer() {
        return weightOnly() ? null : new ActivationQuantizer(activationBits, activationSymmetric, activationClip);
    }

    /** The scheme in the CLI's spelling, for example {@code "w4a16 g128"} or {@code "w8a8"} (per channel). */
    public String schemeName() {
        int g = groupSize();
        return "w" + weightBits + "a" + activationBits + (g == -1 ? "" : " g" + g);
    }

    @Override
    public String toString() {
        return method + " " + schemeName() + (symmetric ? " sym" : " asym");
    }

    // ---------------------------------------------------------------- copy-on-write

    private Recipe with(Consumer<Values> change) {
        Values v = new Values();
        v.method = method;
        v.factory = factory;
        v.weightBits = weightBits;
        v.groupSize = groupSize;
        v.symmetric = symmetric;
        v.grid = grid;
        v.mseClip = mseClip;
        v.activationBits = activationBits;
        v.activationSymmetric = activationSymmetric;
        v.activationClip = activationClip;
        v.damp = damp;
        v.blockSize = blockSize;
        v.actOrder = actOrder;
        v.staticGroups = staticGroups;
        v.trueSequential = trueSequential;
        v.alpha = alpha;
        v.awqGridPoints = awqGridPoints;
        v.clipSearch = clipSearch;
        v.quantizeLmHead = quantizeLmHead;
        v.embeddingBits = embeddingBits;
        v.lmHeadBits = lmHeadBits;
        v.options = new TreeMap<>(options);
        change.accept(v);
        return new Recipe(v);
    }

    /** The mutable state behind one copy; the defaults of every recipe. */
    private static final class Values {
        String method;
        Function<Recipe, QuantizationMethod> factory;
        int weightBits = 4;
        Integer groupSize;
        boolean symmetric = true;
        WeightQuantizer.Grid grid = WeightQuantizer.Grid.GPTQ_MINMAX;
        boolean mseClip;
        int activationBits = 16;
        boolean activationSymmetric = true;
        float activationClip = 1f;
        double damp = GptqSettings.DEFAULT_PERCDAMP;
        int blockSize = GptqSettings.DEFAULT_BLOCK_SIZE;
        boolean actOrder;
        boolean staticGroups;
        boolean trueSequential = true;
        double alpha = Double.NaN;
        int awqGridPoints = 20;
        boolean clipSearch = true;
        boolean quantizeLmHead;
        int embeddingBits;
        int lmHeadBits;
        Map<String, String> options = new TreeMap<>();
    }
}
