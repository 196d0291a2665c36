package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.kernels.VectorMath;
import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of a few query rows over the keys of a whole sequence, the shape of an approximate KV cache's
 * passes (32 recomputed rows against 320 cached keys), vectorised along the keys: a tile of 4 queries × 4 key
 * vectors keeps 16 accumulators in registers, so every key vector loaded serves four queries and every
 * broadcast query element four key vectors ({@link LaneAttention}, one query per lane, needs one broadcast per
 * multiply-add; attention costs about as much as all the projections of a tiny-llada cached pass, and this
 * kernel takes 0.085 instead of 0.098 ms for 32 queries × 320 keys × 8 heads of 32 on 2 AVX-512 cores). Softmax
 * runs along each query's keys; the outputs are dot products of the weights with the transposed values
 * ({@code (headDim, keys)}, the cache's layout), four queries × four head dimensions at a time, each reduced by
 * the vector lane-sum tree and divided by the softmax sum at the end.
 *
 * <p>Every query's arithmetic is the same whichever tile it falls in (one multiply-add chain over the head
 * dimension per score, one over the key vectors per output, reduced by {@link VectorMath#sum}), so a row gets
 * the same bits whichever rows are computed with it. The bits differ from the full pass's attention (another
 * summation order): the cached passes and the partial refreshes use this one, the full forwards
 * {@link LaneAttention}. {@link Attention#perQuery} is the scalar reference that the tests compare it against.
 */
final class RowAttention {

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int N = F.length();
    /** Queries per work item (and per register tile). */
    private static final int TILE = 4;

    private RowAttention() {
    }

    /**
     * {@code out[t, h] = softmax(q[t, h]·k[:, g(h)]ᵀ / sqrt(headDim)) · v[:, g(h)]}, as
     * {@link Attention#attend(float[], int, float[][], float[][], int, int, int, int, float[])}
     * without fresh rows (up to float rounding).
     */
    static void attend(float[] q, int queries, float[][] kT, float[][] vT, int keys, int heads, int kvHeads,
                       int headDim, float[] out) {
        int group = heads / kvHeads;
        int tiles = (queries + TILE - 1) / TILE;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forRange(heads * tiles, item -> {
            int h = item / tiles;
            int t0 = (item % tiles) * TILE;
            tile(q, Math.min(TILE, queries - t0), t0, h, kT[h / group], vT[h / group], keys, heads * headDim,
                    headDim, scale, out);
        });
    }

    /** Queries {@code t0 .. t0+n−1} of head {@code h}. */
    private static void tile(float[] q, int n, int t0, int h, float[] kh, float[] vh, int keys, int qWidth,
                             int headDim, float scale, float[] out) {
        int vectors = (keys + N - 1) / N;
        int padded = vectors * N;
        VectorMask<Float> tail = F.indexInRange((vectors - 1) * N, keys); // lanes of the last key vector
        float[] qs = new float[n * headDim];
        for (int r = 0; r < n; r++) {
            System.arraycopy(q, (t0 + r) * qWidth + h * headDim, qs, r * headDim, headDim);
        }
        float[] w = new float[TILE * padded]; // row r: scores, then e^(score − max), padding lanes 0
        scores(qs, n, kh, keys, vectors, tail, headDim, scale, w, padded);
        float[] inverse = new float[TILE];
        // lane sums of loop-carried accumulators go through this scratch and VectorMath.sum(float[], int, int):
        // the slicing sum(FloatVector) on such an accumulator can box it inside the loop (INT-KERNELS attempt 20)
        float[] lanes = new float[N];
        for (int r = 0; r < n; r++) {
            inverse[r] = 1f / exponentials(w, r * padded, keys, vectors, lanes);
        }
        output(w, n, vh, keys, vectors, tail, headDim, padded, inverse, out, t0, qWidth, h * headDim, lanes);
    }

    /**
     * {@code w[r, s] = (Σ_d q[r, d]·k[d, s])·scale}: one FMA chain over d per query and key vector, for a tile of
     * four queries × four key vectors at a time (the same chains for the remainders).
     */
    private static void scores(float[] qs, int n, float[] kh, int keys, int vectors, VectorMask<Float> tail,
                               int headDim, float scale, float[] w, int padded) {
        int fullVectors = keys / N; // vectors without padding lanes
        int j = 0;
        if (n == TILE) {
            for (; j + 4 <= fullVectors; j += 4) {
                FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
                FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
                FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
                for (int d = 0; d < headDim; d++) {
                    int off = d * keys + j * N;
                    FloatVector k0 = FloatVector.fromArray(F, kh, off);
                    FloatVector k1 = FloatVector.fromArray(F, kh, off + N);
                    FloatVector k2 = FloatVector.fromArray(F, kh, off + 2 * N);
                    FloatVector k3 = FloatVector.fromArray(F, kh, off + 3 * N);
                    FloatVector q0 = FloatVector.broadcast(F, qs[d]);
                    FloatVector q1 = FloatVector.broadcast(F, qs[headDim + d]);
                    FloatVector q2 = FloatVector.broadcast(F, qs[2 * headDim + d]);
                    FloatVector q3 = FloatVector.broadcast(F, qs[3 * headDim + d]);
                    a00 = k0.fma(q0, a00); a01 = k1.fma(q0, a01); a02 = k2.fma(q0, a02); a03 = k3.fma(q0, a03);
                    a10 = k0.fma(q1, a10); a11 = k1.fma(q1, a11); a12 = k2.fma(q1, a12); a13 = k3.fma(q1, a13);
                    a20 = k0.fma(q2, a20); a21 = k1.fma(q2, a21); a22 = k2.fma(q2, a22); a23 = k3.fma(q2, a23);
                    a30 = k0.fma(q3, a30); a31 = k1.fma(q3, a31); a32 = k2.fma(q3, a32); a33 = k3.fma(q3, a33);
                }
                int s = j * N;
                a00.mul(scale).intoArray(w, s); a01.mul(scale).intoArray(w, s + N);
                a02.mul(scale).intoArray(w, s + 2 * N); a03.mul(scale).intoArray(w, s + 3 * N);
                s += padded;
                a10.mul(scale).intoArray(w, s); a11.mul(scale).intoArray(w, s + N);
                a12.mul(scale).intoArray(w, s + 2 * N); a13.mul(scale).intoArray(w, s + 3 * N);
                s += padded;
                a20.mul(scale).intoArray(w, s); a21.mul(scale).intoArray(w, s + N);
                a22.mul(scale).intoArray(w, s + 2 * N); a23.mul(scale).intoArray(w, s + 3 * N);
                s += padded;
                a30.mul(scale).intoArray(w, s); a31.mul(scale).intoArray(w, s + N);
                a32.mul(scale).intoArray(w, s + 2 * N); a33.mul(scale).intoArray(w, s + 3 * N);
            }
        }
        // the remaining key vectors (and every vector of a tile of fewer queries): the same chain per pair
        for (; j < fullVectors; j++) {
            for (int r = 0; r < n; r++) {
                FloatVector a = FloatVector.zero(F);
                for (int d = 0; d < headDim; d++) {
                    a = FloatVector.fromArray(F, kh, d * keys + j * N).fma(FloatVector.broadcast(F, qs[r * headDim + d]), a);
                }
                a.mul(scale).intoArray(w, r * padded + j * N);
            }
        }
        if (fullVectors < vectors) {
            // the last key vector, part padding: masked loads (its padding lanes score 0 and are dropped later)
            for (int r = 0; r < n; r++) {
                FloatVector a = FloatVector.zero(F);
                for (int d = 0; d < headDim; d++) {
                    a = FloatVector.fromArray(F, kh, d * keys + j * N, tail).fma(FloatVector.broadcast(F, qs[r * headDim + d]), a);
                }
                a.mul(scale).intoArray(w, r * padded + j * N);
            }
        }
    }

    /**
     * Replaces row {@code w[off .. off+keys)} by {@code e^(w − max)} (padding lanes set to 0) and returns the sum:
     * per-lane partial sums over the key vectors in order, reduced by the lane-sum tree.
     */
    private static float exponentials(float[] w, int off, int keys, int vectors, float[] lanes) {
        int fullVectors = keys / N;
        FloatVector top = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < fullVectors; j++) {
            top = top.max(FloatVector.fromArray(F, w, off + j * N));
        }
        if (fullVectors < vectors) {
            top = top.max(FloatVector.fromArray(F, w, off + fullVectors * N)
                    .blend(Float.NEGATIVE_INFINITY, F.indexInRange(fullVectors * N, keys).not()));
        }
        float max = top.reduceLanes(VectorOperators.MAX); // exact in any order
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < fullVectors; j++) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, w, off + j * N).sub(max));
            e.intoArray(w, off + j * N);
            sum = sum.add(e);
        }
        if (fullVectors < vectors) {
            int base = off + fullVectors * N;
            VectorMask<Float> valid = F.indexInRange(fullVectors * N, keys);
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, w, base).sub(max))
                    .blend(FloatVector.zero(F), valid.not());
            e.intoArray(w, base);
            sum = sum.add(e);
        }
        sum.intoArray(lanes, 0);
        return VectorMath.sum(lanes, 0, N);
    }

    /**
     * {@code out[t0 + r, d] = (Σ_s e[r, s]·v[d, s])·inverse[r]}: one FMA chain over the key vectors per query and
     * head dimension, reduced by the lane-sum tree; four queries × four dimensions at a time.
     */
    private static void output(float[] w, int n, float[] vh, int keys, int vectors, VectorMask<Float> tail,
                               int headDim, int padded, float[] inverse, float[] out, int t0, int qWidth, int column,
                               float[] lanes) {
        int fullVectors = keys / N;
        int d = 0;
        if (n == TILE) {
            float[] acc = new float[16 * N];
            for (; d + 4 <= headDim; d += 4) {
                FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
                FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
                FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
                for (int j = 0; j < fullVectors; j++) {
                    int s = j * N;
                    FloatVector v0 = FloatVector.fromArray(F, vh, d * keys + s);
                    FloatVector v1 = FloatVector.fromArray(F, vh, (d + 1) * keys + s);
                    FloatVector v2 = FloatVector.fromArray(F, vh, (d + 2) * keys + s);
                    FloatVector v3 = FloatVector.fromArray(F, vh, (d + 3) * keys + s);
                    FloatVector e0 = FloatVector.fromArray(F, w, s);
                    FloatVector e1 = FloatVector.fromArray(F, w, padded + s);
                    FloatVector e2 = FloatVector.fromArray(F, w, 2 * padded + s);
                    FloatVector e3 = FloatVector.fromArray(F, w, 3 * padded + s);
                    a00 = e0.fma(v0, a00); a01 = e0.fma(v1, a01); a02 = e0.fma(v2, a02); a03 = e0.fma(v3, a03);
                    a10 = e1.fma(v0, a10); a11 = e1.fma(v1, a11); a12 = e1.fma(v2, a12); a13 = e1.fma(v3, a13);
                    a20 = e2.fma(v0, a20); a21 = e2.fma(v1, a21); a22 = e2.fma(v2, a22); a23 = e2.fma(v3, a23);
                    a30 = e3.fma(v0, a30); a31 = e3.fma(v1, a31); a32 = e3.fma(v2, a32); a33 = e3.fma(v3, a33);
                }
                a00.intoArray(acc, 0); a01.intoArray(acc, N); a02.intoArray(acc, 2 * N); a03.intoArray(acc, 3 * N);
                a10.intoArray(acc, 4 * N); a11.intoArray(acc, 5 * N); a12.intoArray(acc, 6 * N); a13.intoArray(acc, 7 * N);
                a20.intoArray(acc, 8 * N); a21.intoArray(acc, 9 * N); a22.intoArray(acc, 10 * N); a23.intoArray(acc, 11 * N);
                a30.intoArray(acc, 12 * N); a31.intoArray(acc, 13 * N); a32.intoArray(acc, 14 * N); a33.intoArray(acc, 15 * N);
                if (fullVectors < vectors) {
                    // the last key vector, part padding: the same FMA at the end of every chain, masked loads
                    int s = fullVectors * N;
                    for (int r = 0; r < TILE; r++) {
                        FloatVector e = FloatVector.fromArray(F, w, r * padded + s);
                        for (int dd = 0; dd < 4; dd++) {
                            int at = (r * 4 + dd) * N;
                            e.fma(FloatVector.fromArray(F, vh, (d + dd) * keys + s, tail), FloatVector.fromArray(F, acc, at))
                                    .intoArray(acc, at);
                        }
                    }
                }
                for (int r = 0; r < TILE; r++) {
                    for (int dd = 0; dd < 4; dd++) {
                        out[(t0 + r) * qWidth + column + d + dd] =
                                VectorMath.sum(acc, (r * 4 + dd) * N, N) * inverse[r];
                    }
                }
            }
        }
        // the remaining dimensions (and every dimension of a tile of fewer queries): the same chain per pair
        for (; d < headDim; d++) {
            for (int r = 0; r < n; r++) {
                FloatVector a = FloatVector.zero(F);
                for (int j = 0; j < fullVectors; j++) {
                    int s = j * N;
                    a = FloatVector.fromArray(F, w, r * padded + s).fma(FloatVector.fromArray(F, vh, d * keys + s), a);
                }
                if (fullVectors < vectors) {
                    int s = fullVectors * N;
                    a = FloatVector.fromArray(F, w, r * padded + s).fma(FloatVector.fromArray(F, vh, d * keys + s, tail), a);
                }
                a.intoArray(lanes, 0);
                out[(t0 + r) * qWidth + column + d] = VectorMath.sum(lanes, 0, N) * inverse[r];
            }
        }
    }
}
