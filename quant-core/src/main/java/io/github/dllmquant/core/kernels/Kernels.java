package io.github.dllmquant.core.kernels;

import java.util.Objects;

/**
 * The public facade of the element-wise kernels: validates arguments with messages that name them and
 * delegates to the implementation {@link KernelProvider} chose ({@link PanamaElementwiseKernels} or
 * {@link ScalarElementwiseKernels}). Row-major layouts throughout; nothing here allocates.
 *
 * <p>Callers in a hot inner loop (attention's dot products) may call {@link KernelProvider#elementwise()}
 * directly and skip the checks.
 */
public final class Kernels {

    private Kernels() {
    }

    /**
     * RMSNorm over {@code rows} rows of {@code width}: {@code out = x / sqrt(mean(x²) + eps) · gain},
     * in float32. {@code out} may be {@code x}.
     *
     * @param x     {@code [rows, width]}
     * @param gain  {@code [width]}, or {@code null} for none
     * @param eps   added to the mean square, non-negative
     * @param out   {@code [rows, width]}
     */
    public static void rmsNorm(float[] x, float[] gain, float eps, float[] out, int rows, int width) {
        checkRows("x", x, rows, width);
        checkRows("out", out, rows, width);
        if (gain != null && gain.length < width) {
            throw new IllegalArgumentException("gain has " + gain.length + " values, width is " + width);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        }
        ElementwiseKernels k = KernelProvider.elementwise();
        for (int r = 0; r < rows; r++) {
            k.rmsNorm(x, r * width, gain, eps, out, r * width, width);
        }
    }

    /** Softmax of {@code n} values starting at {@code off}, in place, max-subtracted. */
    public static void softmax(float[] x, int off, int n) {
        checkRange("x", x, off, n);
        KernelProvider.elementwise().softmax(x, off, n);
    }

    /** Softmax of each of {@code rows} rows of {@code width}, in place. */
    public static void softmaxRows(float[] x, int rows, int width) {
        checkRows("x", x, rows, width);
        ElementwiseKernels k = KernelProvider.elementwise();
        for (int r = 0; r < rows; r++) {
            k.softmax(x, r * width, width);
        }
    }

    /** SwiGLU: {@code out[i] = silu(a[i])·b[i]} for {@code i < n}; {@code out} may alias {@code a} or {@code b}. */
    public static void swiglu(float[] a, float[] b, float[] out, int n) {
        checkRange("a", a, 0, n);
        checkRange("b", b, 0, n);
        checkRange("out", out, 0, n);
        KernelProvider.elementwise().swiglu(a, 0, b, 0, out, 0, n);
    }

    /**
     * Rotate-half RoPE in place on {@code x = [tokens, heads·headDim]}; token {@code t} is at position
     * {@code firstPosition + t}.
     */
    public static void rope(float[] x, int tokens, int heads, int firstPosition, RopeTable table) {
        Objects.requireNonNull(table, "table");
        int headDim = table.headDim();
        checkRows("x", x, tokens, heads * headDim);
        if (heads <= 0) {
            throw new IllegalArgumentException("heads must be positive, got " + heads);
        }
        if (firstPosition < 0 || firstPosition + tokens > table.positions()) {
            throw new IllegalArgumentException("positions " + firstPosition + ".." + (firstPosition + tokens - 1)
                    + " are outside the RoPE table (" + table.positions() + " positions)");
        }
        ElementwiseKernels k = KernelProvider.elementwise();
        int half = headDim / 2;
        for (int t = 0; t < tokens; t++) {
            int tableOff = (firstPosition + t) * half;
            for (int h = 0; h < heads; h++) {
                k.rope(x, (t * heads + h) * headDim, table.cos, table.sin, tableOff, half);
            }
        }
    }

    /** {@code Σ a[aOff+i]·b[bOff+i]} for {@code i < n}, accumulated in float. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        checkRange("a", a, aOff, n);
        checkRange("b", b, bOff, n);
        return KernelProvider.elementwise().dot(a, aOff, b, bOff, n);
    }

    /** {@code y[yOff+i] += alpha·x[xOff+i]} for {@code i < n}. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        KernelProvider.elementwise().axpy(alpha, x, xOff, y, yOff, n);
    }

    /** {@code x[off+i] *= s} for {@code i < n}. */
    public static void scale(float[] x, int off, int n, float s) {
        checkRange("x", x, off, n);
        KernelProvider.elementwise().scale(x, off, n, s);
    }

    private static void checkRows(String name, float[] a, int rows, int width) {
        Objects.requireNonNull(a, name);
        if (rows < 0 || width <= 0) {
            throw new IllegalArgumentException("rows must be >= 0 and width > 0, got rows=" + rows + ", width=" + width);
        }
        if (a.length < (long) rows * width) {
            throw new IllegalArgumentException(name + " has " + a.length + " values, needs rows*width = "
                    + rows + "*" + width + " = " + (long) rows * width);
        }
    }

    private static void checkRange(String name, float[] a, int off, int n) {
        Objects.requireNonNull(a, name);
        if (off < 0 || n < 0 || (long) off + n > a.length) {
            throw new IllegalArgumentException(name + "[" + off + ", " + off + "+" + n + ") is outside its "
                    + a.length + " values");
        }
    }
}
