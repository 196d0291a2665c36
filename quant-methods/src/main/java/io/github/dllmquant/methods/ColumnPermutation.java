package io.github.dllmquant.methods;

import io.github.dllmquant.core.linear.InputTransform;

/**
 * The online gather {@code x'[p] = x[perm[p]]} of each token's input: what a weight stored in a permuted
 * column order (GPTQ act-order with dynamic groups) needs in front of its product.
 */
public final class ColumnPermutation implements InputTransform {

    private final int[] perm;

    /**
     * @param perm a permutation of {@code 0 .. n−1} (copied)
     */
    public ColumnPermutation(int[] perm) {
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) {
                throw new IllegalArgumentException("not a permutation of 0.." + (perm.length - 1) + ": entry " + p);
            }
            seen[p] = true;
        }
        this.perm = perm.clone();
    }

    /** A copy of the permutation. */
    public int[] permutation() {
        return perm.clone();
    }

    @Override
    public int width() {
        return perm.length;
    }

    @Override
    public void apply(float[] x, int tokens) {
        int n = perm.length;
        float[] row = new float[n];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(x, t * n, row, 0, n);
            for (int p = 0; p < n; p++) {
                x[t * n + p] = row[perm[p]];
            }
        }
    }

    @Override
    public long parameterBytes() {
        return 4L * perm.length;
    }

    @Override
    public String describe() {
        return "permutation " + perm.length;
    }
}
