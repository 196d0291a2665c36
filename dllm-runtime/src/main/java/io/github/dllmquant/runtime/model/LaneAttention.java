package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.VectorMath;
import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama path of {@link Attention#attend} without fresh rows, with one query per vector lane: a block of
 * {@code L} queries of one head is scored, softmaxed and multiplied with the values together, each vector
 * operation serving all of them. Every lane performs exactly the float operations, in exactly the order, that
 * the per-query loop of {@link Attention} performs through {@code PanamaElementwiseKernels} ({@code axpy}
 * for the scores, {@code scale}, {@code softmax}, {@code dot} for the output): FMA where those kernels use a
 * vector FMA (the keys of whole vectors), a rounded multiply then add where they fall back to scalar code (the
 * tail keys), the same four-accumulator split and lane-sum tree ({@link VectorMath#sum}) in the dot products.
 * So its output has the same bits ({@code LaneAttentionTest} checks it), while it avoids the per-query calls, the
 * stores of the score row once per head dimension and the scalar loops of short sequences (the sampler's
 * prompts are shorter than one vector, where the per-query loop is entirely scalar).
 */
final class LaneAttention {

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int L = F.length();

    private LaneAttention() {
    }

    /**
     * {@code out[t, h] = softmax(q[t, h]·k[:, g(h)]ᵀ / sqrt(headDim)) · v[:, g(h)]}, as
     * {@link Attention#attend(float[], int, float[][], float[][], int, int, int, int, float[])}
     * without fresh rows.
     */
    static void attend(float[] q, int queries, float[][] kT, float[][] vT, int keys, int heads, int kvHeads,
                       int headDim, float[] out) {
        int group = heads / kvHeads;
        int blocks = (queries + L - 1) / L;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forRange(heads * blocks, item -> {
            int h = item / blocks;
            int t0 = (item % blocks) * L;
            block(q, queries, t0, h, kT[h / group], vT[h / group], keys, heads * headDim, headDim, scale, out);
        });
    }

    /** Queries {@code t0 .. t0+L−1} (those below {@code queries}) of head {@code h}. */
    private static void block(float[] q, int queries, int t0, int h, float[] kh, float[] vh, int keys, int qWidth,
                              int headDim, float scale, float[] out) {
        int lanes = Math.min(L, queries - t0);
        // queries transposed: qT[d·L + lane]; unused lanes stay 0 (finite scores, discarded)
        float[] qT = new float[headDim * L];
        for (int lane = 0; lane < lanes; lane++) {
            int row = (t0 + lane) * qWidth + h * headDim;
            for (int d = 0; d < headDim; d++) {
                qT[d * L + lane] = q[row + d];
            }
        }
        float[] w = new float[keys * L]; // w[s·L + lane]: score, then weight, of key s for each query
        int vectorKeys = F.loopBound(keys);
        scores(qT, kh, keys, vectorKeys, headDim, scale, w);
        softmax(w, keys, vectorKeys);
        float[] lanesOut = new float[L];
        float[] position = new float[L * L];
        for (int d = 0; d < headDim; d++) {
            output(w, vh, d * keys, keys, vectorKeys, position, lanesOut);
            for (int lane = 0; lane < lanes; lane++) {
                out[(t0 + lane) * qWidth + h * headDim + d] = lanesOut[lane];
            }
        }
    }

    /**
     * Scaled scores {@code w[s] = (Σ_d q[d]·k[d, s])·scale} in the order of {@code axpy} over d: an FMA chain
     * for the keys in whole vectors, multiply-then-add for the tail keys.
     */
    private static void scores(float[] qT, float[] kh, int keys, int vectorKeys, int headDim, float scale, float[] w) {
        int s = 0;
        for (; s + 4 <= vectorKeys; s += 4) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int d = 0, kd = s; d < headDim; d++, kd += keys) {
                FloatVector qd = FloatVector.fromArray(F, qT, d * L);
                a0 = FloatVector.broadcast(F, kh[kd]).fma(qd, a0);
                a1 = FloatVector.broadcast(F, kh[kd + 1]).fma(qd, a1);
                a2 = FloatVector.broadcast(F, kh[kd + 2]).fma(qd, a2);
                a3 = FloatVector.broadcast(F, kh[kd + 3]).fma(qd, a3);
            }
            a0.mul(scale).intoArray(w, s * L);
            a1.mul(scale).intoArray(w, (s + 1) * L);
            a2.mul(scale).intoArray(w, (s + 2) * L);
            a3.mul(scale).intoArray(w, (s + 3) * L);
        }
        for (; s < vectorKeys; s++) {
            FloatVector a = FloatVector.zero(F);
            for (int d = 0, kd = s; d < headDim; d++, kd += keys) {
                a = FloatVector.broadcast(F, kh[kd]).fma(FloatVector.fromArray(F, qT, d * L), a);
            }
            a.mul(scale).intoArray(w, s * L);
        }
        for (; s < keys; s++) {
            // the scalar tail of axpy: y += alpha·x, product rounded before the add
            FloatVector a = FloatVector.zero(F);
            for (int d = 0, kd = s; d < headDim; d++, kd += keys) {
                a = a.add(FloatVector.fromArray(F, qT, d * L).mul(kh[kd]));
            }
            a.mul(scale).intoArray(w, s * L);
        }
    }

    /**
     * Softmax over the keys of every lane as {@code PanamaElementwiseKernels.softmax}: {@link VectorMath#exp}
     * and a per-position vector sum reduced by the lane-sum tree for the keys in whole vectors, {@code Math.exp}
     * and sequential adds for the tail; then a multiply by {@code 1/sum}.
     */
    private static void softmax(float[] w, int keys, int vectorKeys) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int s = 0; s < keys; s++) {
            max = max.max(FloatVector.fromArray(F, w, s * L));
        }
        FloatVector sum = FloatVector.zero(F);
        if (vectorKeys > 0) {
            // position j of the kernel's vector sum collects keys j, L + j, 2L + j, ... in order; the partial
            // sums live in an array (an array of vectors would box them)
            float[] position = new float[L * L];
            for (int s = 0; s < vectorKeys; s++) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(F, w, s * L).sub(max));
                e.intoArray(w, s * L);
                int j = (s % L) * L;
                FloatVector.fromArray(F, position, j).add(e).intoArray(position, j);
            }
            sum = tree(position);
        }
        if (vectorKeys < keys) {
            float[] m = max.toArray();
            for (int s = vectorKeys; s < keys; s++) {
                for (int lane = 0; lane < L; lane++) {
                    w[s * L + lane] = (float) Math.exp(w[s * L + lane] - m[lane]);
                }
                sum = sum.add(FloatVector.fromArray(F, w, s * L));
            }
        }
        FloatVector inverse = FloatVector.broadcast(F, 1f).div(sum);
        for (int s = 0; s < keys; s++) {
            FloatVector.fromArray(F, w, s * L).mul(inverse).intoArray(w, s * L);
        }
    }

    /**
     * {@code Σ_s w[s]·v[off + s]} per lane as {@code PanamaElementwiseKernels.dot}: keys in groups of four
     * vectors go to four accumulators, remaining whole vectors to the first, the accumulators combine as
     * {@code (a0 + a1) + (a2 + a3)} and reduce by the lane-sum tree; tail keys add rounded products in order.
     * {@code position} is scratch of {@code L·L} floats; the result goes to {@code result[0, L)}.
     */
    private static void output(float[] w, float[] v, int off, int keys, int vectorKeys, float[] position,
                               float[] result) {
        FloatVector sum = FloatVector.zero(F);
        if (vectorKeys > 0) {
            int groups = keys / (4 * L); // the kernel's loop i < keys − 4L + 1, step 4L
            for (int j = 0; j < L; j++) {
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = FloatVector.zero(F);
                FloatVector a2 = FloatVector.zero(F);
                FloatVector a3 = FloatVector.zero(F);
                int i = j;
                for (int g = 0; g < groups; g++, i += 4 * L) {
                    // the kernel's att.fma(v, acc): the product's order does not change an FMA
                    a0 = FloatVector.fromArray(F, w, i * L).fma(FloatVector.broadcast(F, v[off + i]), a0);
                    a1 = FloatVector.fromArray(F, w, (i + L) * L).fma(FloatVector.broadcast(F, v[off + i + L]), a1);
                    a2 = FloatVector.fromArray(F, w, (i + 2 * L) * L).fma(FloatVector.broadcast(F, v[off + i + 2 * L]), a2);
                    a3 = FloatVector.fromArray(F, w, (i + 3 * L) * L).fma(FloatVector.broadcast(F, v[off + i + 3 * L]), a3);
                }
                for (; i < vectorKeys; i += L) {
                    a0 = FloatVector.fromArray(F, w, i * L).fma(FloatVector.broadcast(F, v[off + i]), a0);
                }
                a0.add(a1).add(a2.add(a3)).intoArray(position, j * L);
            }
            sum = tree(position);
        }
        for (int s = vectorKeys; s < keys; s++) {
            sum = sum.add(FloatVector.fromArray(F, w, s * L).mul(v[off + s]));
        }
        sum.intoArray(result, 0);
    }

    /**
     * {@link VectorMath#sum}'s tree over the {@code L} vectors stored in {@code p} ({@code p[i·L ..]}):
     * {@code p[i] += p[i + half]} for half = L/2, …, 1; returns p[0] (p is overwritten).
     */
    private static FloatVector tree(float[] p) {
        for (int half = L / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                FloatVector.fromArray(F, p, i * L).add(FloatVector.fromArray(F, p, (i + half) * L)).intoArray(p, i * L);
            }
        }
        return FloatVector.fromArray(F, p, 0);
    }
}
