package io.github.dllmquant.core.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A BF16 weight matrix {@code W [n, k]} read in place, row-major little-endian, from any segment (typically
 * a slice of a mapped safetensors file; no alignment required). The GEMM converts a panel of it to F32
 * per call, so the weights are never held twice.
 */
public final class Bf16Weights {

    static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final int n;
    private final int k;
    private final MemorySegment data;

    private Bf16Weights(int n, int k, MemorySegment data) {
        this.n = n;
        this.k = k;
        this.data = data;
    }

    /** A view of {@code data} (exactly {@code n·k·2} bytes) as {@code [n, k]} bf16. */
    public static Bf16Weights of(MemorySegment data, int n, int k) {
        Objects.requireNonNull(data, "data");
        if (n <= 0 || k <= 0) {
            throw new IllegalArgumentException("rows and columns must be positive, got " + n + "x" + k);
        }
        if (data.byteSize() != 2L * n * k) {
            throw new IllegalArgumentException("bf16 weight segment has " + data.byteSize() + " bytes, expected "
                    + n + "*" + k + "*2 = " + 2L * n * k);
        }
        return new Bf16Weights(n, k, data);
    }

    /** Rows. */
    public int n() {
        return n;
    }

    /** Columns. */
    public int k() {
        return k;
    }

    /** The underlying segment. */
    public MemorySegment data() {
        return data;
    }

    /** {@code W[row][col]} converted exactly to float. */
    public float get(int row, int col) {
        short bits = data.get(BF16, 2L * ((long) row * k + col));
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The logical matrix {@code [n, k]} as floats, freshly allocated. */
    public float[] toFloats() {
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = Float.intBitsToFloat((data.get(BF16, 2L * i) & 0xFFFF) << 16);
        }
        return w;
    }
}
