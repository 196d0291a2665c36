package io.github.dllmquant.core.kernels;

import io.github.dllmquant.core.quant.QuantizedWeight;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A weight-only quantized matrix ({@link QuantizedWeight}: codes, per-group scales and zero points)
 * repacked once into the kernel layout, in 64-byte aligned memory of an {@link Arena} the caller owns.
 *
 * <p>Codes are stored with {@code sb} bits each, {@code sb ∈ {2, 4, 8}} (3-bit codes use 4 bits, 5..7-bit
 * codes 8 bits), {@code cpi = 32/sb} codes per 32-bit word, words interleaved by panel exactly like
 * {@link PackedF32Weights} so that one {@code IntVector} load yields the codes of {@code L} output rows
 * for {@code cpi} consecutive columns:
 * <pre>
 *   words = ceil(k / cpi)
 *   codes[((p·words) + w)·NR + r]  bits [j·sb, (j+1)·sb) = code(p·NR + r, w·cpi + j)      (0 past n or k)
 *   scales[((p·groups) + g)·NR + r] = scale(p·NR + r, g)                                  (float)
 *   zeros [((p·groups) + g)·NR + r] = zero(p·NR + r, g)      (unsigned byte when every zero is an
 *                                                              integer in 0..255, else float)
 *   W[n][k] = (code − zero) · scale                              (exactly QuantizedWeight's rule)
 * </pre>
 */
public final class PackedQuantizedWeights {

    private final int n;
    private final int k;
    private final int bits;
    private final int storedBits;
    private final int groupSize;
    private final boolean symmetric;
    private final int panelWidth;
    private final MemorySegment codes;
    private final MemorySegment scales;
    private final MemorySegment zeros;
    private final boolean byteZeros;

    private PackedQuantizedWeights(QuantizedWeight w, int storedBits, int panelWidth, MemorySegment codes,
                                   MemorySegment scales, MemorySegment zeros, boolean byteZeros) {
        this.n = w.out();
        this.k = w.in();
        this.bits = w.bits();
        this.storedBits = storedBits;
        this.groupSize = w.groupSize();
        this.symmetric = w.symmetric();
        this.panelWidth = panelWidth;
        this.codes = codes;
        this.scales = scales;
        this.zeros = zeros;
        this.byteZeros = byteZeros;
    }

    /** Packs {@code w} with the panel width of the kernels in use. */
    public static PackedQuantizedWeights pack(QuantizedWeight w, Arena arena) {
        return pack(w, KernelProvider.gemm().panelWidth(), arena);
    }

    /** Packs {@code w} into panels of {@code panelWidth} rows, allocated from {@code arena}. */
    public static PackedQuantizedWeights pack(QuantizedWeight w, int panelWidth, Arena arena) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(arena, "arena");
        if (panelWidth <= 0) {
            throw new IllegalArgumentException("panelWidth must be positive, got " + panelWidth);
        }
        int sb = w.bits() <= 2 ? 2 : w.bits() <= 4 ? 4 : 8;
        int cpi = 32 / sb;
        int n = w.out();
        int k = w.in();
        int groups = w.groups();
        int panels = GemmShapes.panels(n, panelWidth);
        int words = (k + cpi - 1) / cpi;
        MemorySegment codes = arena.allocate((long) panels * words * panelWidth * Integer.BYTES, 64);
        // each word is assembled in a register and stored once (rows past n stay zero from allocate)
        for (int row = 0; row < n; row++) {
            long rowBase = (long) (row / panelWidth) * words * panelWidth + row % panelWidth;
            for (int word = 0; word < words; word++) {
                int col0 = word * cpi;
                int col1 = Math.min(k, col0 + cpi);
                int bits = 0;
                for (int col = col0; col < col1; col++) {
                    bits |= w.code(row, col) << ((col - col0) * sb);
                }
                codes.setAtIndex(ValueLayout.JAVA_INT, rowBase + (long) word * panelWidth, bits);
            }
        }
        boolean byteZeros = true;
        for (float z : w.zeros()) {
            if (z != Math.rint(z) || z < 0 || z > 255) {
                byteZeros = false;
                break;
            }
        }
        long entries = (long) panels * groups * panelWidth;
        MemorySegment scales = arena.allocate(entries * Float.BYTES, 64);
        MemorySegment zeros = arena.allocate(entries * (byteZeros ? 1 : Float.BYTES), 64);
        for (int row = 0; row < n; row++) {
            int p = row / panelWidth;
            int r = row % panelWidth;
            for (int g = 0; g < groups; g++) {
                long index = ((long) p * groups + g) * panelWidth + r;
                scales.setAtIndex(ValueLayout.JAVA_FLOAT, index, w.scales()[row * groups + g]);
                float z = w.zeros()[row * groups + g];
                if (byteZeros) {
                    zeros.set(ValueLayout.JAVA_BYTE, index, (byte) (int) z);
                } else {
                    zeros.setAtIndex(ValueLayout.JAVA_FLOAT, index, z);
                }
            }
        }
        return new PackedQuantizedWeights(w, sb, panelWidth, codes, scales, zeros, byteZeros);
    }

    /** Rows ({@code out} features). */
    public int n() {
        return n;
    }

    /** Columns ({@code in} features). */
    public int k() {
        return k;
    }

    /** Logical code width (2..8). */
    public int bits() {
        return bits;
    }

    /** Bits each code occupies in {@link #codes()}: 2, 4 or 8. */
    public int storedBits() {
        return storedBits;
    }

    /** Codes per 32-bit word, {@code 32 / storedBits}. */
    public int codesPerWord() {
        return 32 / storedBits;
    }

    /** 32-bit words per panel row: {@code ceil(k / codesPerWord)}. */
    public int words() {
        return (k + codesPerWord() - 1) / codesPerWord();
    }

    /** Columns per group. */
    public int groupSize() {
        return groupSize;
    }

    /** Groups per row. */
    public int groups() {
        return k / groupSize;
    }

    /** Whether the source grid was symmetric (informational). */
    public boolean symmetric() {
        return symmetric;
    }

    /** Rows per panel ({@code NR}). */
    public int panelWidth() {
        return panelWidth;
    }

    /** Number of panels. */
    public int panels() {
        return GemmShapes.panels(n, panelWidth);
    }

    /** Packed code words (layout in the class comment). */
    public MemorySegment codes() {
        return codes;
    }

    /** Packed scales. */
    public MemorySegment scales() {
        return scales;
    }

    /** Packed zero points, bytes if {@link #byteZeros()} else floats. */
    public MemorySegment zeros() {
        return zeros;
    }

    /** Whether {@link #zeros()} holds unsigned bytes (else floats). */
    public boolean byteZeros() {
        return byteZeros;
    }

    /** The unsigned code at {@code (row, col)}. */
    public int code(int row, int col) {
        int cpi = codesPerWord();
        long index = ((long) (row / panelWidth) * words() + col / cpi) * panelWidth + row % panelWidth;
        int word = codes.getAtIndex(ValueLayout.JAVA_INT, index);
        return (word >>> ((col % cpi) * storedBits)) & ((1 << storedBits) - 1);
    }

    /** Scale of {@code (row, group)}. */
    public float scale(int row, int group) {
        return scales.getAtIndex(ValueLayout.JAVA_FLOAT, groupIndex(row, group));
    }

    /** Zero point of {@code (row, group)}. */
    public float zero(int row, int group) {
        long index = groupIndex(row, group);
        return byteZeros ? zeros.get(ValueLayout.JAVA_BYTE, index) & 0xFF : zeros.getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }

    private long groupIndex(int row, int group) {
        return ((long) (row / panelWidth) * groups() + group) * panelWidth + row % panelWidth;
    }

    /** {@code W[row][col] = (code − zero)·scale}. */
    public float get(int row, int col) {
        int g = col / groupSize;
        return (code(row, col) - zero(row, g)) * scale(row, g);
    }

    /** Bytes of the packed codes, scales and zeros (including panel padding). */
    public long byteSize() {
        return codes.byteSize() + scales.byteSize() + zeros.byteSize();
    }
}
