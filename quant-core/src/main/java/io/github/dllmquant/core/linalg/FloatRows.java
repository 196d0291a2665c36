package io.github.dllmquant.core.linalg;

import io.github.dllmquant.core.kernels.VectorWidth;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row updates {@code y ← y ∓ a·x} (GPTQ's sweep, DuQuant's rotation search), vectorised with the product and
 * the sum rounded separately (no fused multiply-add), so every element gets exactly the bits of the scalar Java
 * statement {@code y[i] -= a * x[i]} or {@code y[i] += a * x[i]} (the {@code ...Scalar} twins the tests compare
 * against): replacing a scalar loop changes no result.
 */
public final class FloatRows {

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int L = F.length();
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    private FloatRows() {
    }

    /**
     * {@code y[yOff + i] -= a·x[xOff + i]} for {@code i < n}, bit-identical to {@link #subtractScaledScalar}: it is
     * {@link #addScaled(float[], int, float, float[], int, int) addScaled} with {@code −a}, because IEEE rounding is
     * symmetric in sign ({@code (−a)·x = −(a·x)} exactly) and {@code y − p} is defined as {@code y + (−p)}.
     */
    public static void subtractScaled(float[] y, int yOff, float a, float[] x, int xOff, int n) {
        addScaled(y, yOff, -a, x, xOff, n);
    }

    /** The scalar twin of {@link #subtractScaled}. */
    public static void subtractScaledScalar(float[] y, int yOff, float a, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] -= a * x[xOff + i];
        }
    }

    /** {@code y[yOff + i] += a·x[xOff + i]} for {@code i < n}, bit-identical to {@link #addScaledScalar}. */
    public static void addScaled(float[] y, int yOff, float a, float[] x, int xOff, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        if (bound > 0) {
            FloatVector va = FloatVector.broadcast(F, a);
            for (; i < bound; i += L) {
                FloatVector product = FloatVector.fromArray(F, x, xOff + i).mul(va);
                FloatVector.fromArray(F, y, yOff + i).add(product).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** The scalar twin of {@link #addScaled(float[], int, float, float[], int, int)}. */
    public static void addScaledScalar(float[] y, int yOff, float a, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** {@code y[yOff + i] += a·x[xOff + i]} in double, bit-identical to {@link #addScaledScalar(double[], int, double, double[], int, int)}. */
    public static void addScaled(double[] y, int yOff, double a, double[] x, int xOff, int n) {
        int bound = D.loopBound(n);
        int i = 0;
        if (bound > 0) {
            DoubleVector va = DoubleVector.broadcast(D, a);
            for (; i < bound; i += D.length()) {
                DoubleVector product = DoubleVector.fromArray(D, x, xOff + i).mul(va);
                DoubleVector.fromArray(D, y, yOff + i).add(product).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** The scalar twin of {@link #addScaled(double[], int, double, double[], int, int)}. */
    public static void addScaledScalar(double[] y, int yOff, double a, double[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /**
     * Rows {@code [from, to)} of {@code y = x·m} for {@code x [rows, n]} and {@code m [n, n]}, with the bits of
     * {@link #multiplyRowsScalar}: each output starts at {@code +0} and, for {@code k = 0..n−1} in order with
     * {@code x[r, k] ≠ 0}, adds the rounded product {@code x[r, k]·m[k, j]}. Up to four vectors of an output row
     * stay in registers across all {@code k} (the scalar form reloads and stores the row for every {@code k}).
     */
    public static void multiplyRows(float[] x, int from, int to, int n, float[] m, float[] y) {
        int vectors = n / L;
        int tailStart = vectors * L;
        for (int row = from; row < to; row++) {
            int o = row * n;
            int v0 = 0;
            for (; v0 + 4 <= vectors; v0 += 4) {
                int j = v0 * L;
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = FloatVector.zero(F);
                FloatVector a2 = FloatVector.zero(F);
                FloatVector a3 = FloatVector.zero(F);
                for (int k = 0; k < n; k++) {
                    float a = x[o + k];
                    if (a == 0f) {
                        continue;
                    }
                    FloatVector va = FloatVector.broadcast(F, a);
                    int mk = k * n + j;
                    a0 = a0.add(FloatVector.fromArray(F, m, mk).mul(va));
                    a1 = a1.add(FloatVector.fromArray(F, m, mk + L).mul(va));
                    a2 = a2.add(FloatVector.fromArray(F, m, mk + 2 * L).mul(va));
                    a3 = a3.add(FloatVector.fromArray(F, m, mk + 3 * L).mul(va));
                }
                a0.intoArray(y, o + j);
                a1.intoArray(y, o + j + L);
                a2.intoArray(y, o + j + 2 * L);
                a3.intoArray(y, o + j + 3 * L);
            }
            for (; v0 < vectors; v0++) {
                int j = v0 * L;
                FloatVector acc = FloatVector.zero(F);
                for (int k = 0; k < n; k++) {
                    float a = x[o + k];
                    if (a != 0f) {
                        acc = acc.add(FloatVector.fromArray(F, m, k * n + j).mul(FloatVector.broadcast(F, a)));
                    }
                }
                acc.intoArray(y, o + j);
            }
            for (int j = tailStart; j < n; j++) {
                float acc = 0f;
                for (int k = 0; k < n; k++) {
                    float a = x[o + k];
                    if (a != 0f) {
                        acc += a * m[k * n + j];
                    }
                }
                y[o + j] = acc;
            }
        }
    }

    /** The scalar twin of {@link #multiplyRows}: the row-of-{@code m} accumulation. */
    public static void multiplyRowsScalar(float[] x, int from, int to, int n, float[] m, float[] y) {
        java.util.Arrays.fill(y, from * n, to * n, 0f);
        for (int row = from; row < to; row++) {
            int o = row * n;
            for (int k = 0; k < n; k++) {
                float a = x[o + k];
                if (a == 0f) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    y[o + j] += a * m[k * n + j];
                }
            }
        }
    }

    /** {@code y[yOff + i] -= x[xOff + i]} for {@code i < n} (exactly the scalar statement's bits). */
    public static void subtract(float[] y, int yOff, float[] x, int xOff, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, y, yOff + i).sub(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] -= x[xOff + i];
        }
    }

    /**
     * A compact transposed copy, in square tiles so that neither side is walked with a page-sized stride:
     * element {@code (j, i)} of the result is {@code src[offset + i·stride + j]} ({@code rows × cols} source).
     */
    public static float[] transposedCopy(float[] src, int offset, int stride, int rows, int cols) {
        float[] dst = new float[rows * cols];
        final int tile = 64;
        for (int i0 = 0; i0 < rows; i0 += tile) {
            int i1 = Math.min(rows, i0 + tile);
            for (int j0 = 0; j0 < cols; j0 += tile) {
                int j1 = Math.min(cols, j0 + tile);
                for (int i = i0; i < i1; i++) {
                    int s = offset + i * stride;
                    for (int j = j0; j < j1; j++) {
                        dst[j * rows + i] = src[s + j];
                    }
                }
            }
        }
        return dst;
    }
}
