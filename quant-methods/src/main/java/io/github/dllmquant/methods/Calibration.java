package io.github.dllmquant.methods;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Immutable description of the calibration set: where the tokens come from, how they are cut into
 * windows, and how the windows are masked. Every setter returns a new value.
 *
 * <p><b>Windows.</b> The source's token ids (no BOS; texts are tokenized one by one and concatenated) are
 * cut into consecutive windows of {@link #sequenceLength()} tokens from the start; the first
 * {@link #samples()} windows are used (defaults 128 × 128). This is reproducible: anyone can recompute the
 * same statistics.
 *
 * <p><b>Masking.</b> A dLLM's activations depend on the mask ratio of the diffusion step, so by default
 * ({@link Masking#MIXED}) window {@code i} gets a ratio {@code r_i} and each position is replaced by the
 * mask token with probability {@code r_i}. The ratios are drawn uniformly in (0, 1) from a generator
 * seeded with {@link #seed()} (as LLaDA draws {@code t ~ U(0, 1)} in training), or cycle through a fixed
 * list given with {@link #maskRatios(double...)}. {@link Masking#NONE} keeps the plain text, as the paper
 * calibrated.
 *
 * <p><b>Default source.</b> The first 90% of the tokens of the bundled corpus tiny_shakespeare.txt (the
 * bundled model's training part; the last 10% is held out for evaluation).
 */
public final class Calibration {

    /** How calibration windows are masked. */
    public enum Masking {
        /** A seeded mix of mask ratios, one per window (default for dLLMs). */
        MIXED,
        /** Plain text, no mask tokens (the paper's calibration). */
        NONE
    }

    /** Default number of windows. */
    public static final int DEFAULT_SAMPLES = 128;
    /** Default window length in tokens. */
    public static final int DEFAULT_SEQUENCE_LENGTH = 128;
    /** Trailing fraction of the bundled corpus held out for evaluation (not calibrated on). */
    public static final double DEFAULT_CORPUS_HELD_OUT = 0.1;
    private static final String DEFAULT_CORPUS = "tiny_shakespeare.txt";

    private final List<String> texts;   // null when tokens are given
    private final int[] tokens;         // null when texts are given
    private final double heldOut;       // trailing fraction of the tokenized source left out
    private final int samples;
    private final int sequenceLength;
    private final Masking masking;
    private final long seed;
    private final double[] maskRatios;  // null: uniform in (0, 1)

    private Calibration(List<String> texts, int[] tokens, double heldOut, int samples, int sequenceLength,
                        Masking masking, long seed, double[] maskRatios) {
        this.texts = texts;
        this.tokens = tokens;
        this.heldOut = heldOut;
        this.samples = samples;
        this.sequenceLength = sequenceLength;
        this.masking = masking;
        this.seed = seed;
        this.maskRatios = maskRatios;
    }

    /** The first 90% of the tokens of the bundled tiny_shakespeare.txt. */
    public static Calibration defaultCorpus() {
        return new Calibration(List.of(readCorpus()), null, DEFAULT_CORPUS_HELD_OUT, DEFAULT_SAMPLES,
                DEFAULT_SEQUENCE_LENGTH, Masking.MIXED, 0, null);
    }

    /** Texts, tokenized one by one and concatenated (all of their tokens are used). */
    public static Calibration texts(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("calibration texts must not be empty");
        }
        return new Calibration(List.copyOf(texts), null, 0.0, DEFAULT_SAMPLES, DEFAULT_SEQUENCE_LENGTH,
                Masking.MIXED, 0, null);
    }

    /** The whole text of a UTF-8 file. */
    public static Calibration file(Path file) throws IOException {
        return texts(List.of(Files.readString(file, StandardCharsets.UTF_8)));
    }

    /** A stream of token ids, already tokenized (no BOS expected). */
    public static Calibration tokens(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        if (ids.length == 0) {
            throw new IllegalArgumentException("calibration token ids must not be empty");
        }
        return new Calibration(null, ids.clone(), 0.0, DEFAULT_SAMPLES, DEFAULT_SEQUENCE_LENGTH, Masking.MIXED, 0, null);
    }

    /** Number of windows (default 128). */
    public Calibration samples(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("samples must be positive, got " + n);
        }
        return new Calibration(texts, tokens, heldOut, n, sequenceLength, masking, seed, maskRatios);
    }

    /** Tokens per window (default 128). */
    public Calibration sequenceLength(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("sequence length must be positive, got " + length);
        }
        return new Calibration(texts, tokens, heldOut, samples, length, masking, seed, maskRatios);
    }

    /** Mixed mask ratios (default) or plain text. */
    public Calibration masking(Masking m) {
        Objects.requireNonNull(m, "masking");
        return new Calibration(texts, tokens, heldOut, samples, sequenceLength, m, seed, maskRatios);
    }

    /** Seed of the mask ratios and positions (default 0). */
    public Calibration seed(long s) {
        return new Calibration(texts, tokens, heldOut, samples, sequenceLength, masking, s, maskRatios);
    }

    /** Fixed mask ratios in (0, 1], cycled over the windows, instead of uniform draws; implies MIXED. */
    public Calibration maskRatios(double... ratios) {
        if (ratios.length == 0) {
            throw new IllegalArgumentException("give at least one mask ratio");
        }
        for (double r : ratios) {
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("mask ratio must be in (0, 1], got " + r);
            }
        }
        return new Calibration(texts, tokens, heldOut, samples, sequenceLength, Masking.MIXED, seed, ratios.clone());
    }

    /** Windows requested. */
    public int samples() {
        return samples;
    }

    /** Tokens per window. */
    public int sequenceLength() {
        return sequenceLength;
    }

    /** The masking mode. */
    public Masking masking() {
        return masking;
    }

    /** The masking seed. */
    public long seed() {
        return seed;
    }

    /**
     * The calibration windows, masked as configured.
     *
     * @param tokenizer   text → token ids without BOS (the runtime's tokenizer); unused for {@link #tokens}
     * @param maskTokenId the model's mask token
     * @return {@code min(samples, available)} windows of {@link #sequenceLength()} ids each
     * @throws IllegalArgumentException if the source has fewer tokens than one window
     */
    public List<int[]> windows(Function<String, int[]> tokenizer, int maskTokenId) {
        int[] stream = tokenStream(tokenizer);
        int available = stream.length / sequenceLength;
        if (available == 0) {
            throw new IllegalArgumentException("calibration source has " + stream.length
                    + " tokens, fewer than one window of " + sequenceLength);
        }
        int n = Math.min(samples, available);
        List<int[]> windows = new ArrayList<>(n);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int[] w = Arrays.copyOfRange(stream, i * sequenceLength, (i + 1) * sequenceLength);
            if (masking == Masking.MIXED) {
                double ratio = maskRatios != null ? maskRatios[i % maskRatios.length] : nextOpenUnit(random);
                for (int p = 0; p < w.length; p++) {
                    if (random.nextDouble() < ratio) {
                        w[p] = maskTokenId;
                    }
                }
            }
            windows.add(w);
        }
        return windows;
    }

    /** The token stream the windows are cut from (the source without its held-out tail). */
    public int[] tokenStream(Function<String, int[]> tokenizer) {
        int[] all;
        if (tokens != null) {
            all = tokens;
        } else {
            Objects.requireNonNull(tokenizer, "a tokenizer is needed for text calibration sources");
            List<int[]> parts = new ArrayList<>();
            int total = 0;
            for (String t : texts) {
                int[] ids = tokenizer.apply(t);
                parts.add(ids);
                total += ids.length;
            }
            all = new int[total];
            int at = 0;
            for (int[] p : parts) {
                System.arraycopy(p, 0, all, at, p.length);
                at += p.length;
            }
        }
        // the same split as the held-out evaluation (MaskedNll.heldOut): the tail starts at floor(length·(1 − heldOut))
        int end = heldOut == 0 ? all.length : (int) Math.floor(all.length * (1 - heldOut));
        return Arrays.copyOf(all, end);
    }

    /** Uniform in the open interval (0, 1). */
    private static double nextOpenUnit(SplittableRandom random) {
        double r;
        do {
            r = random.nextDouble();
        } while (r == 0.0);
        return r;
    }

    private static String readCorpus() {
        try (InputStream in = Calibration.class.getResourceAsStream(DEFAULT_CORPUS)) {
            if (in == null) {
                throw new IllegalStateException("bundled calibration corpus " + DEFAULT_CORPUS + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled calibration corpus " + DEFAULT_CORPUS, e);
        }
    }

    @Override
    public String toString() {
        String source = tokens != null ? tokens.length + " token ids" : texts.size() + " text(s)";
        return "Calibration[" + source + ", " + samples + " x " + sequenceLength + ", masking " + masking
                + (maskRatios != null ? " " + Arrays.toString(maskRatios) : "") + ", seed " + seed + "]";
    }
}
