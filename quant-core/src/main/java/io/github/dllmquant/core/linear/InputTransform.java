package io.github.dllmquant.core.linear;

/**
 * An orthogonal (or otherwise invertible) transform applied online to each token's input of a
 * linear layer, such as QuaRot's Hadamard before the down projection or DuQuant's block rotations
 * and permutation. The weight was multiplied offline by the matching transform, so
 * {@code apply(x)·Ŵᵀ = x·Wᵀ}.
 */
public interface InputTransform {

    /** Width of each token's vector. */
    int width();

    /**
     * Transforms {@code tokens} rows of {@code x} in place.
     *
     * @param x      {@code [tokens, width]} row-major
     * @param tokens number of rows
     */
    void apply(float[] x, int tokens);

    /** Bytes of parameters (rotation matrices, permutation ids) this transform keeps. */
    long parameterBytes();

    /** A short description, for example {@code "hadamard 12x1024"}. */
    String describe();
}
