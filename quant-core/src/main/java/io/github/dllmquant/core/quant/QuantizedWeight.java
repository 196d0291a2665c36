package io.github.dllmquant.core.quant;

/**
 * A weight matrix {@code [out, in]} quantized per output channel or per group of {@code groupSize}
 * consecutive input columns, in the logical (unpacked) form every method produces and every kernel
 * layout is packed from.
 *
 * <p>Codes are unsigned {@code q ∈ [0, 2^bits − 1]} with a zero point per group, so one form covers
 * GPTQ's uint grid (symmetric zero {@code 2^(bits−1)}), AWQ's asymmetric grid and signed grids such
 * as QuaRot's {@code [−8, 7]} (stored as {@code q + 8} with zero 8). Dequantization:
 * <pre>
 *   W[o][i] = scales[o·groups + i/groupSize] · (codes[o·in + i] − zeros[o·groups + i/groupSize])
 * </pre>
 *
 * @param out       output channels (rows)
 * @param in        input features (columns)
 * @param bits      code width, 2..8
 * @param groupSize columns per group; {@code in} for per-channel quantization
 * @param symmetric whether the grid was symmetric (informational: the zeros are authoritative)
 * @param codes     {@code [out, in]} unsigned codes stored in bytes ({@code code & 0xFF})
 * @param scales    {@code [out, groups]}
 * @param zeros     {@code [out, groups]} integer zero points held as floats
 */
public record QuantizedWeight(int out, int in, int bits, int groupSize, boolean symmetric,
                              byte[] codes, float[] scales, float[] zeros) {

    public QuantizedWeight {
        if (out <= 0 || in <= 0) {
            throw new IllegalArgumentException("out and in must be positive: out=" + out + ", in=" + in);
        }
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("bits must be in 2..8, got " + bits);
        }
        if (groupSize <= 0 || in % groupSize != 0) {
            throw new IllegalArgumentException("groupSize " + groupSize + " must be a positive divisor of in = " + in);
        }
        int groups = in / groupSize;
        if (codes.length != (long) out * in) {
            throw new IllegalArgumentException("codes has " + codes.length + " entries, expected out*in = " + (long) out * in);
        }
        if (scales.length != (long) out * groups || zeros.length != (long) out * groups) {
            throw new IllegalArgumentException("scales/zeros have " + scales.length + "/" + zeros.length
                    + " entries, expected out*groups = " + (long) out * groups);
        }
    }

    /** Groups per row: {@code in / groupSize}. */
    public int groups() {
        return in / groupSize;
    }

    /** Largest code, {@code 2^bits − 1}. */
    public int maxCode() {
        return (1 << bits) - 1;
    }

    /** Whether every row is one group (per-channel quantization). */
    public boolean perChannel() {
        return groupSize == in;
    }

    /** The unsigned code at {@code (o, i)}. */
    public int code(int o, int i) {
        return codes[o * in + i] & 0xFF;
    }

    /** The dequantized value at {@code (o, i)}: {@code s·(q − z)}. */
    public float dequantize(int o, int i) {
        int g = o * groups() + i / groupSize;
        return scales[g] * (code(o, i) - zeros[g]);
    }

    /** The dequantized matrix {@code [out, in]}. */
    public float[] dequantize() {
        float[] w = new float[out * in];
        int groups = groups();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int g = o * groups + i / groupSize;
                w[o * in + i] = scales[g] * ((codes[o * in + i] & 0xFF) - zeros[g]);
            }
        }
        return w;
    }

    /**
     * Bytes of the stored form ({@code core.format.QuantizedTensors}): each row's codes packed at
     * {@code bits} per value ({@link PackedCodes}, rows padded to whole bytes), one F32 scale and one
     * U8 zero point per group. W4 g128: {@code 0.5 + 5/128} bytes per weight = 0.135× F32.
     */
    public long packedBytes() {
        return (long) out * PackedCodes.packedSize(in, bits) + 5L * out * groups();
    }
}
