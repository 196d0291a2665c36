package io.github.dllmquant.core.hadamard;

import io.github.dllmquant.core.linear.InputTransform;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An online Hadamard {@link InputTransform} (QuaRot): orthogonal, so a weight whose rows were
 * transformed offline by {@link #apply(double[], int)} gives {@code apply(x)·Ŵᵀ = x·Wᵀ}.
 * <ul>
 *   <li>{@link Kind#FULL}: {@code x ← H_n·(s ⊙ x)/√n} over the full width, {@code s} optional random signs
 *       (QuaRot's online transform before down_proj; with signs, its randomized residual rotation);</li>
 *   <li>{@link Kind#HEADS}: {@code x ← (H_heads ⊗ I_headDim)·x/√heads}, the transform over the head axis
 *       of the {@code [heads, headDim]} view (QuaRot's online transform before o_proj).</li>
 * </ul>
 * Everything needed to rebuild the transform is in its {@link Spec}: save {@link #spec()} and call
 * {@link #fromSpec(Spec)} to reload.
 */
public final class HadamardTransform implements InputTransform {

    /** Which axis the transform mixes. */
    public enum Kind {
        /** The whole vector, {@code H_width}. */
        FULL,
        /** The head axis of {@code [heads, width/heads]}. */
        HEADS
    }

    /**
     * The serialisable description of a {@link HadamardTransform}.
     *
     * @param kind   axis
     * @param width  vector width
     * @param heads  heads ({@link Kind#HEADS}); 1 for {@link Kind#FULL}
     * @param hadK   the order {@code K} of the non-Sylvester factor ({@link HadamardMatrices#hadK}), stored
     *               so that a reload with a different matrix library fails instead of silently differing
     * @param signs  {@code ±1} per element applied before the transform ({@link Kind#FULL} only), or {@code null}
     */
    public record Spec(Kind kind, int width, int heads, int hadK, byte[] signs) {

        public Spec {
            if (kind == null) {
                throw new IllegalArgumentException("kind must not be null");
            }
            if (width <= 0 || heads <= 0 || width % heads != 0) {
                throw new IllegalArgumentException("width " + width + " must be a positive multiple of heads " + heads);
            }
            if (kind == Kind.FULL && heads != 1) {
                throw new IllegalArgumentException("a FULL Hadamard transform has heads = 1, got " + heads);
            }
            if (signs != null) {
                if (kind != Kind.FULL) {
                    throw new IllegalArgumentException("signs are only supported for FULL transforms");
                }
                if (signs.length != width) {
                    throw new IllegalArgumentException("signs has " + signs.length + " entries, expected width " + width);
                }
                for (int i = 0; i < signs.length; i++) {
                    if (signs[i] != 1 && signs[i] != -1) {
                        throw new IllegalArgumentException("signs[" + i + "] = " + signs[i] + ", expected +1 or -1");
                    }
                }
                signs = signs.clone();
            }
        }

        /** A copy of the signs, or null. */
        @Override
        public byte[] signs() {
            return signs == null ? null : signs.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Spec s && s.kind == kind && s.width == width && s.heads == heads && s.hadK == hadK
                    && Arrays.equals(s.signs, signs);
        }

        @Override
        public int hashCode() {
            return ((kind.hashCode() * 31 + width) * 31 + heads) * 31 + hadK + Arrays.hashCode(signs);
        }

        @Override
        public String toString() {
            return "Spec[" + kind + ", width=" + width + ", heads=" + heads + ", hadK=" + hadK
                    + (signs == null ? "" : ", signed") + "]";
        }
    }

    private final Spec spec;
    private final float[] signs; // null or ±1
    private final int k;

    private HadamardTransform(Spec spec) {
        this.spec = spec;
        int expectedK = HadamardMatrices.hadK(spec.kind() == Kind.FULL ? spec.width() : spec.heads());
        if (expectedK != spec.hadK()) {
            throw new IllegalArgumentException("Hadamard spec " + spec + " records K = " + spec.hadK()
                    + " but this library factors the size with K = " + expectedK);
        }
        this.k = expectedK;
        byte[] s = spec.signs;
        if (s == null) {
            this.signs = null;
        } else {
            this.signs = new float[s.length];
            for (int i = 0; i < s.length; i++) {
                this.signs[i] = s[i];
            }
        }
    }

    /** {@code H_n/√n} over the full width. */
    public static HadamardTransform full(int width) {
        return new HadamardTransform(new Spec(Kind.FULL, width, 1, HadamardMatrices.hadK(width), null));
    }

    /** {@code H_n·diag(s)/√n} with the given {@code ±1} signs. */
    public static HadamardTransform signed(byte[] signs) {
        return new HadamardTransform(new Spec(Kind.FULL, signs.length, 1, HadamardMatrices.hadK(signs.length), signs));
    }

    /** {@code H_n·diag(s)/√n} with signs drawn from a seeded generator (QuaRot's random Hadamard). */
    public static HadamardTransform randomSigned(int width, long seed) {
        return signed(randomSigns(width, seed));
    }

    /** {@code (H_heads ⊗ I)/√heads} over the head axis of {@code [heads, headDim]}. */
    public static HadamardTransform overHeads(int heads, int headDim) {
        return new HadamardTransform(new Spec(Kind.HEADS, heads * headDim, heads, HadamardMatrices.hadK(heads), null));
    }

    /** Rebuilds a transform from its description. */
    public static HadamardTransform fromSpec(Spec spec) {
        return new HadamardTransform(spec);
    }

    /** {@code n} random {@code ±1} from a {@link SplittableRandom} seeded with {@code seed}. */
    public static byte[] randomSigns(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] s = new byte[n];
        for (int i = 0; i < n; i++) {
            s[i] = rnd.nextBoolean() ? (byte) 1 : (byte) -1;
        }
        return s;
    }

    /** The description to save. */
    public Spec spec() {
        return spec;
    }

    @Override
    public int width() {
        return spec.width();
    }

    @Override
    public void apply(float[] x, int tokens) {
        int n = spec.width();
        if ((long) tokens * n > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, need tokens·width = " + tokens + "·" + n);
        }
        if (spec.kind() == Kind.FULL) {
            if (signs != null) {
                for (int t = 0; t < tokens; t++) {
                    int o = t * n;
                    for (int i = 0; i < n; i++) {
                        x[o + i] *= signs[i];
                    }
                }
            }
            FastHadamard.transformRows(x, tokens, n);
        } else {
            FastHadamard.transformHeadAxis(x, tokens, spec.heads(), n / spec.heads());
        }
    }

    /**
     * The same transform on one double vector {@code x[off, off + width)} in place. Applied offline to
     * every weight row {@code w} of the layer that reads the transformed input, it keeps the layer's output:
     * {@code T(x)·T(w) = x·w} because {@code T} is orthogonal.
     */
    public void apply(double[] x, int off) {
        int n = spec.width();
        if (off < 0 || (long) off + n > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, need " + n + " from offset " + off);
        }
        if (spec.kind() == Kind.FULL) {
            if (signs != null) {
                for (int i = 0; i < n; i++) {
                    x[off + i] *= signs[i];
                }
            }
            FastHadamard.transform(x, off, n);
        } else {
            FastHadamard.transformHeadAxis(x, off, spec.heads(), n / spec.heads());
        }
    }

    @Override
    public long parameterBytes() {
        return signs == null ? 0 : spec.width();
    }

    @Override
    public String describe() {
        int n = spec.width();
        String base = spec.kind() == Kind.FULL
                ? "hadamard " + (k == 1 ? String.valueOf(n) : k + "x" + (n / k))
                : "hadamard heads " + spec.heads() + "x" + (n / spec.heads());
        return signs == null ? base : base + " signed";
    }

    @Override
    public String toString() {
        return "HadamardTransform[" + describe() + "]";
    }
}
