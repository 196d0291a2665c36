package io.github.dllmquant.core.hadamard;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orthonormal fast Walsh–Hadamard transforms of size {@code n = K·2^p} (QuaRot {@code matmul_hadU}):
 * view {@code x} as {@code [K, 2^p]} (index {@code i = k·2^p + r}), FWHT over the last axis, left-multiply
 * by {@code H_K}, scale by {@code 1/√n}. That is {@code x ← (H_K ⊗ H_{2^p})·x/√n}, an orthogonal map;
 * for Sylvester sizes ({@code K = 1}) it is symmetric, so applying it twice gives back {@code x}.
 *
 * <p>The kernel is chosen once at startup: the Panama implementation unless the system property
 * {@code dllmq.hadamard.kernel=scalar} asks for the scalar specification.
 */
public final class FastHadamard {

    private static final Logger LOG = LoggerFactory.getLogger(FastHadamard.class);

    private FastHadamard() {
    }

    private static final class Holder {
        static final HadamardKernel INSTANCE = lookup();

        private static HadamardKernel lookup() {
            String wanted = System.getProperty("dllmq.hadamard.kernel", "panama");
            HadamardKernel k;
            String why;
            if ("scalar".equalsIgnoreCase(wanted)) {
                k = ScalarHadamardKernel.INSTANCE;
                why = "requested by dllmq.hadamard.kernel=scalar";
            } else {
                k = PanamaHadamardKernel.INSTANCE;
                why = "default";
            }
            LOG.debug("Hadamard kernel: {} ({})", k.name(), why);
            return k;
        }
    }

    /** The kernel in use. */
    public static HadamardKernel kernel() {
        return Holder.INSTANCE;
    }

    /**
     * Transforms {@code tokens} consecutive vectors of width {@code n} in place with the orthonormal
     * {@code H_n/√n}.
     *
     * @throws IllegalArgumentException if {@code n} is not {@code K·2^p} for a constructed {@code K}
     *                                  or {@code x} is too short
     */
    public static void transformRows(float[] x, int tokens, int n) {
        transformRows(kernel(), x, tokens, n);
    }

    /** As {@link #transformRows(float[], int, int)} with an explicit kernel (tests compare the twins). */
    public static void transformRows(HadamardKernel kernel, float[] x, int tokens, int n) {
        int k = HadamardMatrices.hadK(n);
        checkLength(x.length, tokens, n);
        byte[] hK = k == 1 ? null : HadamardMatrices.cached(k);
        float[] scratch = k == 1 ? null : new float[n];
        float scale = (float) (1.0 / Math.sqrt(n));
        for (int t = 0; t < tokens; t++) {
            kernel.transform(x, t * n, hK, k, n / k, 1, scale, scratch);
        }
    }

    /**
     * Transforms {@code tokens} vectors of width {@code heads·headDim} in place with {@code H_heads/√heads}
     * over the head axis of the {@code [heads, headDim]} view (QuaRot's online transform before o_proj).
     */
    public static void transformHeadAxis(float[] x, int tokens, int heads, int headDim) {
        transformHeadAxis(kernel(), x, tokens, heads, headDim);
    }

    /** As {@link #transformHeadAxis(float[], int, int, int)} with an explicit kernel. */
    public static void transformHeadAxis(HadamardKernel kernel, float[] x, int tokens, int heads, int headDim) {
        if (headDim <= 0) {
            throw new IllegalArgumentException("headDim must be positive, got " + headDim);
        }
        int k = HadamardMatrices.hadK(heads);
        int n = heads * headDim;
        checkLength(x.length, tokens, n);
        byte[] hK = k == 1 ? null : HadamardMatrices.cached(k);
        float[] scratch = k == 1 ? null : new float[n];
        float scale = (float) (1.0 / Math.sqrt(heads));
        for (int t = 0; t < tokens; t++) {
            kernel.transform(x, t * n, hK, k, heads / k, headDim, scale, scratch);
        }
    }

    /** Orthonormal {@code H_n/√n} of one double vector {@code x[off, off+n)} in place (offline fusion). */
    public static void transform(double[] x, int off, int n) {
        int k = HadamardMatrices.hadK(n);
        if (off < 0 || (long) off + n > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, need " + n + " from offset " + off);
        }
        byte[] hK = k == 1 ? null : HadamardMatrices.cached(k);
        double[] scratch = k == 1 ? null : new double[n];
        ScalarHadamardKernel.INSTANCE.transform(x, off, hK, k, n / k, 1, 1.0 / Math.sqrt(n), scratch);
    }

    /** {@code H_heads/√heads} over the head axis of one double vector {@code [heads, headDim]} at {@code off}. */
    public static void transformHeadAxis(double[] x, int off, int heads, int headDim) {
        int k = HadamardMatrices.hadK(heads);
        int n = heads * headDim;
        if (off < 0 || (long) off + n > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, need " + n + " from offset " + off);
        }
        byte[] hK = k == 1 ? null : HadamardMatrices.cached(k);
        double[] scratch = k == 1 ? null : new double[n];
        ScalarHadamardKernel.INSTANCE.transform(x, off, hK, k, heads / k, headDim, 1.0 / Math.sqrt(heads), scratch);
    }

    /**
     * The dense orthonormal matrix {@code H_n/√n} in double, row-major (column {@code j} is the transform of
     * the unit vector {@code e_j}). For tests and small offline uses.
     */
    public static double[] orthonormalMatrix(int n) {
        double[] m = new double[n * n];
        double[] e = new double[n];
        for (int j = 0; j < n; j++) {
            java.util.Arrays.fill(e, 0);
            e[j] = 1;
            transform(e, 0, n);
            for (int i = 0; i < n; i++) {
                m[i * n + j] = e[i];
            }
        }
        return m;
    }

    private static void checkLength(int length, int tokens, int n) {
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
        }
        if ((long) tokens * n > length) {
            throw new IllegalArgumentException("x has " + length + " values, need tokens·width = "
                    + tokens + "·" + n + " = " + (long) tokens * n);
        }
    }
}
