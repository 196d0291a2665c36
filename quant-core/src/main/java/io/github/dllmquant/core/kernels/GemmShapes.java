package io.github.dllmquant.core.kernels;

/** Shape arithmetic and argument checks shared by the GEMM weight layouts and kernels. */
final class GemmShapes {

    private GemmShapes() {
    }

    static int panels(int n, int panelWidth) {
        return (n + panelWidth - 1) / panelWidth;
    }

    static void checkMatrix(long length, int n, int k, String name) {
        if (n <= 0 || k <= 0) {
            throw new IllegalArgumentException(name + ": rows and columns must be positive, got " + n + "x" + k);
        }
        if (length != (long) n * k) {
            throw new IllegalArgumentException(name + " has " + length + " values, expected " + n + "*" + k + " = " + (long) n * k);
        }
    }

    /** Checks a GEMM call {@code y[m, n] = x[m, k]·Wᵀ + bias}. */
    static void checkCall(float[] x, int m, int n, int k, float[] bias, float[] y) {
        if (m <= 0) {
            throw new IllegalArgumentException("tokens must be positive, got " + m);
        }
        if (x.length < (long) m * k) {
            throw new IllegalArgumentException("x has " + x.length + " values, needs tokens*in = " + m + "*" + k + " = " + (long) m * k);
        }
        if (y.length < (long) m * n) {
            throw new IllegalArgumentException("y has " + y.length + " values, needs tokens*out = " + m + "*" + n + " = " + (long) m * n);
        }
        if (bias != null && bias.length != n) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected out = " + n);
        }
    }
}
