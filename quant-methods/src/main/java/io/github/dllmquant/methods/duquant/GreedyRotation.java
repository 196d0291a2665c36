package io.github.dllmquant.methods.duquant;

import io.github.dllmquant.core.concurrent.Parallel;
import io.github.dllmquant.core.linalg.FloatRows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The rotation and permutation searches of DuQuant (Lin et al., 2024, §3.1; ptq-methods.md §8.2).
 * <ul>
 *   <li>{@link #givensBase}: {@code R0 = G_{n−2}···G_0} with {@code G_i} a Givens rotation in plane
 *       {@code (i, i+1)}, {@code cos = 1/√(i+2)}, {@code sin = √(i+1)/√(i+2)}, then row/column 0 swapped
 *       with {@code n−1}: row 0 is uniform {@code 1/√n}, so a one-hot outlier in channel 0 spreads evenly.</li>
 *   <li>{@link #rotation}: each call draws {@code R̃ = R0·diag(1, Q')}, {@code Q'} from the QR factorisation of
 *       a seeded Gaussian; greedily, for {@code j = 1..steps}, records {@code peak = max X − min X}, picks the
 *       channel {@code k} of the larger-magnitude extreme, {@code X ← X·E_k R̃ E_k} ({@code E_k} swaps 0 and
 *       {@code k}); finally keeps the prefix {@code R = R_1···R_L} with {@code L = argmin peaks}.</li>
 *   <li>{@link #zigzag}: channels sorted by {@code max_t |X[t, j]|}, dealt to the blocks in boustrophedon
 *       order, each block re-sorted.</li>
 * </ul>
 */
public final class GreedyRotation {

    /** Rows per parallel task of the block products. */
    private static final int ROWS_PER_TASK = 32;

    private GreedyRotation() {
    }

    /** {@code R0} in double, {@code [n, n]} row-major. */
    public static double[] givensBase(int n) {
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            m[i * n + i] = 1;
        }
        // M ← G_i·M for i = 0..n−2, G_i = [[c, −s], [s, c]] in rows/columns (i, i+1)
        for (int i = 0; i < n - 1; i++) {
            double c = 1 / Math.sqrt(i + 2.0);
            double s = Math.sqrt(i + 1.0) / Math.sqrt(i + 2.0);
            for (int col = 0; col < n; col++) {
                double a = m[i * n + col];
                double bb = m[(i + 1) * n + col];
                m[i * n + col] = c * a - s * bb;
                m[(i + 1) * n + col] = s * a + c * bb;
            }
        }
        return exchange(m, n, 0, n - 1);
    }

    /** {@code E_k·M·E_k}: rows and columns {@code i} and {@code k} swapped (a copy). */
    static double[] exchange(double[] m, int n, int i, int k) {
        double[] r = m.clone();
        if (i == k) {
            return r;
        }
        for (int c = 0; c < n; c++) {
            double t = r[i * n + c];
            r[i * n + c] = r[k * n + c];
            r[k * n + c] = t;
        }
        for (int row = 0; row < n; row++) {
            double t = r[row * n + i];
            r[row * n + i] = r[row * n + k];
            r[row * n + k] = t;
        }
        return r;
    }

    /** {@code R̃ = R0·diag(1, Q')} with {@code Q'} the orthogonal factor of an {@code (n−1)²} Gaussian. */
    static double[] randomizedBase(double[] r0, int n, SplittableRandom rnd) {
        int m = n - 1;
        double[] g = new double[m * m];
        for (int i = 0; i < g.length; i++) {
            g[i] = rnd.nextGaussian();
        }
        double[] q = orthogonalFactor(g, m);
        double[] r = new double[n * n];
        for (int i = 0; i < n; i++) {
            r[i * n] = r0[i * n];
            for (int j = 1; j < n; j++) {
                double acc = 0;
                for (int k = 1; k < n; k++) {
                    acc += r0[i * n + k] * q[(k - 1) * m + (j - 1)];
                }
                r[i * n + j] = acc;
            }
        }
        return r;
    }

    /** The explicit {@code Q} of a Householder QR of {@code a [m, m]} (no sign fix, as the reference). */
    static double[] orthogonalFactor(double[] a, int m) {
        double[] r = a.clone();
        double[] q = new double[m * m];
        for (int i = 0; i < m; i++) {
            q[i * m + i] = 1;
        }
        double[] v = new double[m];
        for (int k = 0; k < m - 1; k++) {
            double norm = 0;
            for (int i = k; i < m; i++) {
                norm += r[i * m + k] * r[i * m + k];
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                continue;
            }
            double alpha = r[k * m + k] > 0 ? -norm : norm;
            Arrays.fill(v, 0);
            for (int i = k; i < m; i++) {
                v[i] = r[i * m + k];
            }
            v[k] -= alpha;
            double vv = 0;
            for (int i = k; i < m; i++) {
                vv += v[i] * v[i];
            }
            if (vv == 0) {
                continue;
            }
            // R ← (I − 2vvᵀ/vᵀv)·R ; Q ← Q·(I − 2vvᵀ/vᵀv)
            for (int c = 0; c < m; c++) {
                double dot = 0;
                for (int i = k; i < m; i++) {
                    dot += v[i] * r[i * m + c];
                }
                double f = 2 * dot / vv;
                for (int i = k; i < m; i++) {
                    r[i * m + c] -= f * v[i];
                }
            }
            for (int row = 0; row < m; row++) {
                double dot = 0;
                for (int i = k; i < m; i++) {
                    dot += q[row * m + i] * v[i];
                }
                double f = 2 * dot / vv;
                for (int i = k; i < m; i++) {
                    q[row * m + i] -= f * v[i];
                }
            }
        }
        return q;
    }

    /**
     * The greedy rotation search on {@code x [rows, n]} (already viewed as blocks of {@code n}).
     *
     * @param x              data, not modified
     * @param rows           rows of the block view
     * @param n              block size
     * @param steps          maximum rotation steps (256 by default)
     * @param rowIndexQuirk  pick the exchanged index as {@code row % n} of the flattened view (the reference
     *                       code) instead of the channel (the paper)
     * @param rnd            source of {@code Q'}
     * @return {@code R [n, n]} row-major, the product of the selected prefix (identity if no step helps)
     */
    public static float[] rotation(float[] x, int rows, int n, int steps, boolean rowIndexQuirk,
                                   SplittableRandom rnd) {
        double[] base = randomizedBase(givensBase(n), n, rnd);
        float[] cur = x.clone();
        float[] next = new float[cur.length];
        List<Integer> exchanges = new ArrayList<>();
        double[] peaks = new double[steps + 1];
        for (int j = 0; j <= steps; j++) {
            int argMax = 0;
            int argMin = 0;
            for (int i = 1; i < rows * n; i++) {
                if (cur[i] > cur[argMax]) {
                    argMax = i;
                }
                if (cur[i] < cur[argMin]) {
                    argMin = i;
                }
            }
            peaks[j] = (double) cur[argMax] - cur[argMin];
            int pick = Math.abs(cur[argMax]) > Math.abs(cur[argMin]) ? argMax : argMin;
            int k = rowIndexQuirk ? (pick / n) % n : pick % n;
            if (j == steps) {
                break;
            }
            exchanges.add(k);
            float[] rj = toFloat(exchange(base, n, 0, k));
            multiply(cur, rows, n, rj, next);
            float[] t = cur;
            cur = next;
            next = t;
        }
        int best = 0;
        for (int j = 1; j <= steps; j++) {
            if (peaks[j] < peaks[best]) {
                best = j;
            }
        }
        double[] r = new double[n * n];
        for (int i = 0; i < n; i++) {
            r[i * n + i] = 1;
        }
        for (int j = 0; j < best; j++) {
            r = multiply(r, exchange(base, n, 0, exchanges.get(j)), n);
        }
        return toFloat(r);
    }

    /**
     * {@code y = x·R} for {@code x [rows, n]}; rows are independent, so chunks of them run on the shared pool
     * with a result that does not depend on the thread count.
     */
    static void multiply(float[] x, int rows, int n, float[] r, float[] y) {
        Parallel.forChunks(rows, ROWS_PER_TASK, (from, to) -> multiplyRows(x, from, to, n, r, y));
    }

    private static void multiplyRows(float[] x, int from, int to, int n, float[] r, float[] y) {
        FloatRows.multiplyRows(x, from, to, n, r, y); // the scalar row-of-R accumulation's bits, row kept in registers
    }

    /**
     * {@code a·b} in double, {@code [n, n]}: rows of the result on the shared pool (each row sums in the same
     * order whatever the thread count, so the result does not depend on it).
     */
    private static double[] multiply(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        Parallel.forChunks(n, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int k = 0; k < n; k++) {
                    FloatRows.addScaled(c, i * n, a[i * n + k], b, k * n, n); // c[i, j] += a[i, k]·b[k, j]
                }
            }
        });
        return c;
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * The zigzag permutation of the channels of {@code x [tokens, width]} over blocks of {@code b}:
     * {@code perm[i]} is the source channel of position {@code i}.
     */
    public static int[] zigzag(float[] x, int tokens, int width, int b) {
        float[] amax = new float[width];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < width; j++) {
                amax[j] = Math.max(amax[j], Math.abs(x[t * width + j]));
            }
        }
        Comparator<Integer> byMaxDescending = (p, q) -> Float.compare(amax[q], amax[p]);
        Integer[] order = new Integer[width];
        for (int j = 0; j < width; j++) {
            order[j] = j;
        }
        Arrays.sort(order, byMaxDescending); // stable: ties keep channel order
        int nb = width / b;
        List<List<Integer>> blocks = new ArrayList<>();
        for (int i = 0; i < nb; i++) {
            blocks.add(new ArrayList<>());
        }
        int cur = 0;
        boolean up = true;
        for (Integer ch : order) {
            blocks.get(cur).add(ch);
            if (up) {
                if (++cur == nb) {
                    cur = nb - 1;
                    up = false;
                }
            } else if (--cur == -1) {
                cur = 0;
                up = true;
            }
        }
        int[] perm = new int[width];
        int i = 0;
        for (List<Integer> blk : blocks) {
            blk.sort(byMaxDescending);
            for (int ch : blk) {
                perm[i++] = ch;
            }
        }
        return perm;
    }
}
