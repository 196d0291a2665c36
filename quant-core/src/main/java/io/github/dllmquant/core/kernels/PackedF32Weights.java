package io.github.dllmquant.core.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * An F32 weight matrix {@code W [n, k]} repacked once into the panel layout of the GEMM micro-kernel,
 * in 64-byte aligned memory of an {@link Arena} the caller owns:
 * <pre>
 *   panel p holds rows p·NR .. p·NR+NR−1 (zero rows past n), k-major:
 *   data[((p·k) + kk)·NR + r] = W[p·NR + r][kk]        NR = panelWidth
 * </pre>
 * For a fixed {@code kk} the {@code NR} weights of a panel are contiguous, so the micro-kernel loads them
 * as whole vectors and broadcasts one activation against them (outer-product form).
 */
public final class PackedF32Weights {

    private final int n;
    private final int k;
    private final int panelWidth;
    private final MemorySegment data;

    private PackedF32Weights(int n, int k, int panelWidth, MemorySegment data) {
        this.n = n;
        this.k = k;
        this.panelWidth = panelWidth;
        this.data = data;
    }

    /** Packs {@code w [n, k]} with the panel width of the kernels in use. */
    public static PackedF32Weights pack(float[] w, int n, int k, Arena arena) {
        return pack(w, n, k, KernelProvider.gemm().panelWidth(), arena);
    }

    /** Packs {@code w [n, k]} row-major into panels of {@code panelWidth} rows, allocated from {@code arena}. */
    public static PackedF32Weights pack(float[] w, int n, int k, int panelWidth, Arena arena) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(arena, "arena");
        GemmShapes.checkMatrix(w.length, n, k, "w");
        if (panelWidth <= 0) {
            throw new IllegalArgumentException("panelWidth must be positive, got " + panelWidth);
        }
        int panels = GemmShapes.panels(n, panelWidth);
        MemorySegment data = arena.allocate((long) panels * k * panelWidth * Float.BYTES, 64);
        for (int p = 0; p < panels; p++) {
            int rows = Math.min(panelWidth, n - p * panelWidth);
            long base = (long) p * k * panelWidth;
            for (int r = 0; r < rows; r++) {
                int src = (p * panelWidth + r) * k;
                for (int kk = 0; kk < k; kk++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT, base + (long) kk * panelWidth + r, w[src + kk]);
                }
            }
        }
        return new PackedF32Weights(n, k, panelWidth, data);
    }

    /** Rows ({@code out} features). */
    public int n() {
        return n;
    }

    /** Columns ({@code in} features). */
    public int k() {
        return k;
    }

    /** Rows per panel ({@code NR}). */
    public int panelWidth() {
        return panelWidth;
    }

    /** Number of panels, {@code ceil(n / NR)}. */
    public int panels() {
        return GemmShapes.panels(n, panelWidth);
    }

    /** The packed floats (see the class comment); read-only by convention. */
    public MemorySegment data() {
        return data;
    }

    /** {@code W[row][col]}. */
    public float get(int row, int col) {
        int p = row / panelWidth;
        return data.getAtIndex(ValueLayout.JAVA_FLOAT, ((long) p * k + col) * panelWidth + row % panelWidth);
    }

    /** The logical matrix {@code [n, k]}, freshly allocated. */
    public float[] unpack() {
        float[] w = new float[n * k];
        for (int row = 0; row < n; row++) {
            for (int col = 0; col < k; col++) {
                w[row * k + col] = get(row, col);
            }
        }
        return w;
    }

    /** Bytes of packed memory (including the zero padding of the last panel). */
    public long byteSize() {
        return data.byteSize();
    }
}
