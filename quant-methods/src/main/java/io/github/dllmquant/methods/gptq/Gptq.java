package io.github.dllmquant.methods.gptq;

import io.github.dllmquant.core.linalg.FloatProducts;
import io.github.dllmquant.core.linalg.FloatRows;
import io.github.dllmquant.core.linalg.NotPositiveDefiniteException;
import io.github.dllmquant.core.linalg.SymmetricMatrices;
import io.github.dllmquant.core.quant.GroupParams;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.stream.IntStream;

/**
 * GPTQ: accurate post-training quantization by approximate second-order error compensation
 * (Frantar et al., 2022, Algorithm 1; IST-DASLab/gptq {@code fasterquant}; ptq-methods.md §4).
 *
 * <p>{@link #quantize} is the per-linear pure function {@code (W, H, settings) → GptqResult}; the walk
 * over a model lives in {@link GptqMethod}. Every output row is processed independently (the params, the
 * quantization and both updates only touch that row), so rows are split over threads and the result
 * does not depend on the thread count.
 */
public final class Gptq {

    private static final Logger LOG = LoggerFactory.getLogger(Gptq.class);
    /** Output rows per parallel task of the in-batch sweep. */
    private static final int ROWS_PER_TASK = 64;

    private Gptq() {
    }

    /**
     * Quantizes one linear.
     *
     * @param weight   {@code W [out, in]} row-major, not modified
     * @param hessian  {@code H [in, in]} (e.g. from {@link HessianAccumulator}), not modified
     * @param settings grid and GPTQ knobs
     * @return codes, params, permutation, {@code g_idx} and loss
     */
    public static GptqResult quantize(float[] weight, int out, int in, float[] hessian, GptqSettings settings) {
        if (weight.length != (long) out * in) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, expected out*in = " + out + "*" + in);
        }
        if (hessian.length != (long) in * in) {
            throw new IllegalArgumentException("hessian has " + hessian.length + " values, expected in*in = " + in + "*" + in);
        }
        WeightQuantizer grid = settings.weights();
        boolean perChannel = grid.groupSize() == -1;
        int g = grid.effectiveGroupSize(in);
        if (in % g != 0) {
            throw new IllegalArgumentException("group size " + g + " does not divide in = " + in);
        }
        int groups = in / g;
        float[] W = weight.clone();

        // (1) per channel: params once, from the original W, before the dead columns are zeroed
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        if (perChannel) {
            storeParams(grid.params(W, out, in, 0, in), scales, zeros, 0, 1);
        }
        // (2) dead columns: diag H == 0 → H[j][j] = 1, W[:, j] = 0
        boolean[] dead = new boolean[in];
        for (int j = 0; j < in; j++) {
            if (hessian[j * in + j] == 0f) {
                dead[j] = true;
                for (int r = 0; r < out; r++) {
                    W[r * in + j] = 0f;
                }
            }
        }
        // (3) static groups: all params now, original column order
        boolean staticGroups = settings.staticGroups() && !perChannel;
        if (staticGroups) {
            for (int k = 0; k < groups; k++) {
                storeParams(grid.params(W, out, in, k * g, g), scales, zeros, k, groups);
            }
        }
        // (4) act-order: perm = argsort(diag H, descending), ties by index
        int[] perm = IntStream.range(0, in).toArray();
        if (settings.actOrder()) {
            perm = IntStream.range(0, in).boxed()
                    .sorted((a, b) -> {
                        int c = Float.compare(diag(hessian, in, b, dead), diag(hessian, in, a, dead));
                        return c != 0 ? c : Integer.compare(a, b);
                    })
                    .mapToInt(Integer::intValue).toArray();
            W = permuteColumns(W, out, in, perm);
        }
        // (5)+(6) damping and Hinv = chol(H⁻¹)ᵀ, raising the damping while it fails, then RTN
        long tFactor = System.nanoTime();
        double percdamp = settings.percdamp();
        float[] Hinv = null;
        StringBuilder note = new StringBuilder();
        while (Hinv == null) {
            float[] H = dampedHessian(hessian, in, dead, perm, percdamp);
            try {
                SymmetricMatrices.upperCholeskyOfInverseInPlace(H, in);
                Hinv = H;
            } catch (NotPositiveDefiniteException e) {
                double next = percdamp + settings.dampIncrement();
                if (next >= 1) {
                    note.append(note.isEmpty() ? "" : "; ").append("Cholesky failed up to percdamp ")
                            .append(String.format("%.3f", percdamp)).append(": RTN fallback");
                    percdamp = Double.NaN;
                    break;
                }
                LOG.debug("Cholesky failed at percdamp {} (pivot {}), retrying with {}", percdamp, e.pivot(), next);
                percdamp = next;
            }
        }
        if (!Double.isNaN(percdamp) && percdamp != settings.percdamp()) {
            note.append("percdamp raised to ").append(String.format("%.3f", percdamp));
        }

        long tSweep = System.nanoTime();
        // the sweep, one task per tile of rows
        byte[] Q = new byte[out * in];
        double[] rowLoss = new double[out];
        sweepAllRows(W, Hinv, Q, scales, zeros, rowLoss, out, in, g, grid, settings.blockSize(), perChannel,
                staticGroups, perm);
        LOG.debug("{}x{}: factorisation {} ms, sweep {} ms", out, in, (tSweep - tFactor) / 1_000_000,
                (System.nanoTime() - tSweep) / 1_000_000);
        double loss = 0;
        for (double l : rowLoss) {
            loss += l;
        }

        // outputs: un-permute unless dynamic groups made g_idx non-trivial
        int[] gIdx = new int[in];
        boolean columnsPermuted = settings.actOrder() && !staticGroups && !perChannel;
        if (columnsPermuted) {
            for (int p = 0; p < in; p++) {
                gIdx[perm[p]] = p / g;
            }
        } else {
            for (int j = 0; j < in; j++) {
                gIdx[j] = j / g;
            }
        }
        byte[] codes = settings.actOrder() && !columnsPermuted ? unpermuteColumns(Q, out, in, perm) : Q;
        QuantizedWeight q = new QuantizedWeight(out, in, grid.bits(), g, grid.symmetric(), codes, scales, zeros);
        return new GptqResult(q, perm, columnsPermuted, gIdx, loss, percdamp, note.toString());
    }

    /**
     * Algorithm 1, lazy batch by lazy batch. Every row is independent, so each batch is split over tiles
     * of rows. The params of dynamic groups starting inside a batch come from the global {@code W} at the
     * batch start: it has the updates of earlier batches but not the pending in-batch ones (stale when
     * {@code g < B}, exactly as the reference).
     * <pre>
     *   for i1 in 0, B, 2B, ...:  i2 = min(i1 + B, in)
     *       W1 = W[:, i1:i2];  Err1 = 0
     *       for i in 0 .. i2-i1:
     *           w = W1[:, i];  d = Hinv[i1+i, i1+i]
     *           q = quantize(w)                          (params refreshed at group starts, from W)
     *           Losses1[:, i] = (w − q)² / d² / 2
     *           err1 = (w − q) / d
     *           W1[:, i:] −= err1 ⊗ Hinv[i1+i, i1+i : i2]
     *           Err1[:, i] = err1
     *       W[:, i2:] −= Err1 · Hinv[i1:i2, i2:]
     * </pre>
     */
    private static void sweepAllRows(float[] W, float[] Hinv, byte[] Q, float[] scales, float[] zeros, double[] rowLoss,
                                     int out, int in, int g, WeightQuantizer grid, int B, boolean perChannel,
                                     boolean staticGroups, int[] perm) {
        int groups = in / g;
        int tasks = (out + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        float[] Err1 = new float[out * B];
        for (int i1 = 0; i1 < in; i1 += B) {
            int i2 = Math.min(i1 + B, in);
            int count = i2 - i1;
            if (!perChannel && !staticGroups) {
                for (int j = i1; j < i2; j++) {
                    if (j % g == 0) {
                        storeParams(grid.params(W, out, in, j, g), scales, zeros, j / g, groups);
                    }
                }
            }
            int i1_ = i1;
            IntStream.range(0, tasks).parallel().forEach(t -> {
                int r0 = t * ROWS_PER_TASK;
                int r1 = Math.min(out, r0 + ROWS_PER_TASK);
                sweepBatch(W, Hinv, Q, scales, zeros, rowLoss, Err1, r0, r1, in, g, grid.maxq(), i1_, i2, perChannel,
                        staticGroups, perm);
            });
            if (Hinv != null && i2 < in) {
                // W[:, i2:] −= Err1 · Hinv[i1:i2, i2:], as rows of Err1 against rows of Hinv[i1:i2, i2:]ᵀ
                int rest = in - i2;
                float[] HinvT = FloatRows.transposedCopy(Hinv, i1 * in + i2, in, count, rest);
                FloatProducts.subtractProductTransposed(Err1, out, HinvT, rest, count, W, i2, in);
            }
        }
    }

    /** One lazy batch {@code [i1, i2)} on rows {@code [r0, r1)}. */
    private static void sweepBatch(float[] W, float[] Hinv, byte[] Q, float[] scales, float[] zeros, double[] rowLoss,
                                   float[] Err1, int r0, int r1, int in, int g, int maxq, int i1, int i2,
                                   boolean perChannel, boolean staticGroups, int[] perm) {
        int rows = r1 - r0;
        int count = i2 - i1;
        int groups = in / g;
        float[] W1 = new float[rows * count];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(W, (r0 + r) * in + i1, W1, r * count, count);
        }
        for (int i = 0; i < count; i++) {
            int j = i1 + i;
            // static groups with act-order: permuted column j uses the group of its original column
            int group = perChannel ? 0 : staticGroups ? perm[j] / g : j / g;
            float d = Hinv == null ? 1f : Hinv[j * in + j];
            for (int r = 0; r < rows; r++) {
                int row = r0 + r;
                float scale = scales[row * groups + group];
                float zero = zeros[row * groups + group];
                float w = W1[r * count + i];
                int code = WeightQuantizer.code(w, scale, zero, maxq);
                float q = WeightQuantizer.dequantize(code, scale, zero);
                Q[row * in + j] = (byte) code;
                rowLoss[row] += (double) (w - q) * (w - q) / ((double) d * d) / 2;
                float err1 = (w - q) / d;
                Err1[(r0 + r) * count + i] = err1;
                if (Hinv != null) {
                    // W1[r, i+1:] −= err1·Hinv[j, i1+i+1 : i2] (vectorised, same bits as the scalar loop)
                    FloatRows.subtractScaled(W1, r * count + i + 1, err1, Hinv, j * in + i1 + i + 1, count - i - 1);
                }
            }
        }
    }

    private static void storeParams(GroupParams p, float[] scales, float[] zeros, int group, int groups) {
        for (int r = 0; r < p.rows(); r++) {
            scales[r * groups + group] = p.scale(r);
            zeros[r * groups + group] = p.zero(r);
        }
    }

    private static float diag(float[] h, int in, int j, boolean[] dead) {
        return dead[j] ? 1f : h[j * in + j];
    }

    /**
     * {@code H} with dead columns fixed, permuted, plus {@code percdamp·mean(diag H)} on the diagonal, in
     * float as the reference (fp32); the mean is summed in double.
     */
    private static float[] dampedHessian(float[] hessian, int in, boolean[] dead, int[] perm, double percdamp) {
        float[] H = new float[in * in];
        for (int i = 0; i < in; i++) {
            int src = perm[i] * in;
            for (int j = 0; j < in; j++) {
                H[i * in + j] = hessian[src + perm[j]];
            }
        }
        for (int i = 0; i < in; i++) {
            if (dead[perm[i]]) {
                H[i * in + i] = 1;
            }
        }
        double damp = percdamp * SymmetricMatrices.meanDiagonal(H, in);
        for (int i = 0; i < in; i++) {
            H[i * in + i] += (float) damp;
        }
        return H;
    }

    private static float[] permuteColumns(float[] w, int out, int in, int[] perm) {
        float[] p = new float[w.length];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                p[r * in + c] = w[r * in + perm[c]];
            }
        }
        return p;
    }

    private static byte[] unpermuteColumns(byte[] q, int out, int in, int[] perm) {
        byte[] u = new byte[q.length];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                u[r * in + perm[c]] = q[r * in + c];
            }
        }
        return u;
    }
}
