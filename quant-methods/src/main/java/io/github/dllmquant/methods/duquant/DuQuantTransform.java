package io.github.dllmquant.methods.duquant;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.InputTransform;
import io.github.dllmquant.core.linear.Linear;

/**
 * DuQuant's online transform of a linear group's input (ptq-methods.md §8.3), per token:
 * <pre>
 *   x ← ((x·blockdiag(R1))[perm])·blockdiag(R2)
 * </pre>
 * {@code R1} and {@code R2} are {@code b×b} orthogonal matrices shared by all {@code width/b} blocks, {@code perm}
 * a permutation of the channels ({@code y[i] = x[perm[i]]}, the zigzag order). The map is orthogonal, so
 * the group's weight rows, transformed by the same map offline, keep {@code x·wᵀ}.
 *
 * <p>Saving: {@link #blockSize()}, {@link #r1()}, {@link #permutation()}, {@link #r2()} describe it fully;
 * {@link #of} rebuilds it.
 */
public final class DuQuantTransform implements InputTransform {

    private final int width;
    private final int b;
    private final float[] r1; // [b, b] row-major
    private final int[] perm;
    private final float[] r2;
    private final Linear r1Rows; // y = x·R1 on rows of b
    private final Linear r2Rows; // y = x·R2 on rows of b

    private DuQuantTransform(int width, int b, float[] r1, int[] perm, float[] r2) {
        this.width = width;
        this.b = b;
        this.r1 = r1;
        this.perm = perm;
        this.r2 = r2;
        this.r1Rows = rightMultiply(r1, b);
        this.r2Rows = rightMultiply(r2, b);
    }

    /**
     * Builds (or reloads) a transform; arrays are copied.
     *
     * @param width     vector width, a multiple of {@code blockSize}
     * @param blockSize {@code b}
     * @param r1        {@code [b, b]} first rotation, row-major
     * @param perm      {@code [width]} a permutation of {@code 0..width-1}
     * @param r2        {@code [b, b]} second rotation
     */
    public static DuQuantTransform of(int width, int blockSize, float[] r1, int[] perm, float[] r2) {
        if (blockSize <= 0 || width <= 0 || width % blockSize != 0) {
            throw new IllegalArgumentException("width " + width + " must be a positive multiple of the block size " + blockSize);
        }
        int bb = blockSize * blockSize;
        if (r1 == null || r1.length != bb || r2 == null || r2.length != bb) {
            throw new IllegalArgumentException("rotations must have blockSize² = " + bb + " entries, got "
                    + (r1 == null ? "null" : r1.length) + " and " + (r2 == null ? "null" : r2.length));
        }
        if (perm == null || perm.length != width) {
            throw new IllegalArgumentException("permutation must have " + width + " entries, got "
                    + (perm == null ? "null" : perm.length));
        }
        boolean[] seen = new boolean[width];
        for (int i = 0; i < width; i++) {
            int p = perm[i];
            if (p < 0 || p >= width || seen[p]) {
                throw new IllegalArgumentException("perm[" + i + "] = " + p + " is out of range or repeated: not a permutation");
            }
            seen[p] = true;
        }
        return new DuQuantTransform(width, blockSize, r1.clone(), perm.clone(), r2.clone());
    }

    /** Block size {@code b}. */
    public int blockSize() {
        return b;
    }

    /** A copy of {@code R1} {@code [b, b]}. */
    public float[] r1() {
        return r1.clone();
    }

    /** A copy of the channel permutation. */
    public int[] permutation() {
        return perm.clone();
    }

    /** A copy of {@code R2} {@code [b, b]}. */
    public float[] r2() {
        return r2.clone();
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public void apply(float[] x, int tokens) {
        if ((long) tokens * width > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, need tokens·width = " + tokens + "·" + width);
        }
        // x viewed as [tokens·width/b, b] rows: x·blockdiag(R) is one GEMM with the fast F32 kernels
        int rows = tokens * (width / b);
        float[] tmp = new float[tokens * width];
        r1Rows.forward(x, rows, tmp);                           // tmp = x·blockdiag(R1)
        for (int t = 0; t < tokens; t++) {
            int off = t * width;
            for (int i = 0; i < width; i++) {
                x[off + i] = tmp[off + perm[i]];                 // gather the zigzag order
            }
        }
        r2Rows.forward(x, rows, tmp);                           // tmp = x·blockdiag(R2)
        System.arraycopy(tmp, 0, x, 0, tokens * width);
    }

    /** A linear layer computing {@code y = x·R} per row of {@code b}: its weight {@code [out, in]} is {@code Rᵀ}. */
    private static Linear rightMultiply(float[] r, int b) {
        float[] rt = new float[b * b];
        for (int k = 0; k < b; k++) {
            for (int j = 0; j < b; j++) {
                rt[j * b + k] = r[k * b + j];
            }
        }
        return DenseLinear.of(rt, null, b, b);
    }

    @Override
    public long parameterBytes() {
        return 4L * (r1.length + r2.length) + 4L * perm.length;
    }

    @Override
    public String describe() {
        return "duquant rot" + b + " x" + (width / b) + " zigzag";
    }

    @Override
    public String toString() {
        return "DuQuantTransform[" + describe() + "]";
    }
}
