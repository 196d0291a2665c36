package io.github.dllmquant.core.format;

import io.github.dllmquant.core.quant.PackedCodes;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.safetensors.TensorSource;
import io.github.dllmquant.core.tensor.DType;
import io.github.dllmquant.core.tensor.TensorView;

import java.io.IOException;
import java.util.Arrays;

/**
 * The SDK's own storage of a {@link QuantizedWeight} as safetensors tensors under a name prefix
 * (e.g. {@code model.layers.0.self_attn.q_proj}). Round trips are exact: codes, scales and zeros come
 * back bit for bit.
 *
 * <pre>
 *   PREFIX.codes   U8   [out, ⌈in·bits/8⌉]  row o = PackedCodes.pack(codes of row o, bits)
 *                                          (little-endian bit stream, rows padded to whole bytes)
 *   PREFIX.scales  F32  [out, groups]
 *   PREFIX.zeros   U8   [out, groups]     integer zero points; F32 if one is not an integer in 0..255
 *   PREFIX.qmeta   I32  [5]               {bits, groupSize, in, symmetric ? 1 : 0, layout version 1}
 * </pre>
 * W4 g128 takes {@code 0.5 + 5/128} bytes per weight (0.135× F32), see {@link QuantizedWeight#packedBytes()}.
 */
public final class QuantizedTensors {

    /** Suffix of the packed codes tensor. */
    public static final String CODES = ".codes";
    /** Suffix of the scales tensor. */
    public static final String SCALES = ".scales";
    /** Suffix of the zero points tensor. */
    public static final String ZEROS = ".zeros";
    /** Suffix of the shape/settings tensor. */
    public static final String META = ".qmeta";

    private static final int VERSION = 1;

    private QuantizedTensors() {
    }

    /** Adds the four tensors of {@code q} under {@code prefix} to {@code writer}. */
    public static void write(SafeTensorsWriter writer, String prefix, QuantizedWeight q) {
        int rowBytes = (int) PackedCodes.packedSize(q.in(), q.bits());
        byte[] packed = new byte[Math.multiplyExact(q.out(), rowBytes)];
        for (int o = 0; o < q.out(); o++) {
            PackedCodes.packInto(q.codes(), o * q.in(), q.in(), q.bits(), packed, o * rowBytes);
        }
        long[] groupShape = {q.out(), q.groups()};
        writer.addU8(prefix + CODES, new long[]{q.out(), rowBytes}, packed);
        writer.addF32(prefix + SCALES, groupShape, q.scales());
        byte[] zeroBytes = integerZeros(q.zeros());
        if (zeroBytes != null) {
            writer.addU8(prefix + ZEROS, groupShape, zeroBytes);
        } else {
            writer.addF32(prefix + ZEROS, groupShape, q.zeros());
        }
        writer.addI32(prefix + META, new long[]{5}, new int[]{q.bits(), q.groupSize(), q.in(), q.symmetric() ? 1 : 0, VERSION});
    }

    private static byte[] integerZeros(float[] zeros) {
        byte[] out = new byte[zeros.length];
        for (int i = 0; i < zeros.length; i++) {
            float z = zeros[i];
            if (!(z >= 0f && z <= 255f && z == Math.rint(z)) || Float.floatToRawIntBits(z) == 0x80000000) {
                return null;
            }
            out[i] = (byte) (int) z;
        }
        return out;
    }

    /** Whether {@code source} holds a quantized weight under {@code prefix}. */
    public static boolean contains(TensorSource source, String prefix) {
        return source.contains(prefix + META);
    }

    /**
     * Reads the quantized weight stored under {@code prefix}.
     *
     * @throws FormatException if a tensor is missing, has the wrong dtype or shape, or the codes' padding
     *                         bits are not zero
     */
    public static QuantizedWeight read(TensorSource source, String prefix) throws IOException {
        for (String suffix : new String[]{CODES, SCALES, ZEROS, META}) {
            if (!source.contains(prefix + suffix)) {
                throw new FormatException("quantized weight " + prefix + ": tensor " + prefix + suffix + " is missing");
            }
        }
        TensorView meta = source.tensor(prefix + META);
        expect(meta, DType.I32, 5);
        int[] m = meta.toIntArray();
        int bits = m[0];
        int groupSize = m[1];
        int in = m[2];
        if (m[4] != VERSION) {
            throw new FormatException(meta.name() + ": layout version " + m[4] + " is not supported (expected " + VERSION + ")");
        }
        if (bits < 2 || bits > 8 || in <= 0 || groupSize <= 0 || in % groupSize != 0 || (m[3] != 0 && m[3] != 1)) {
            throw new FormatException(meta.name() + ": invalid settings " + Arrays.toString(m)
                    + " (expected bits 2..8, groupSize dividing in, symmetric 0/1)");
        }
        TensorView codesView = source.tensor(prefix + CODES);
        if (codesView.rank() != 2 || codesView.dtype() != DType.U8) {
            throw new FormatException(codesView.name() + ": expected U8 [out, rowBytes], found " + codesView);
        }
        long outL = codesView.dim(0);
        int rowBytes = (int) PackedCodes.packedSize(in, bits);
        if (outL <= 0 || outL > Integer.MAX_VALUE || codesView.dim(1) != rowBytes || outL * in > Integer.MAX_VALUE - 8) {
            throw new FormatException(codesView.name() + ": expected U8 [out, " + rowBytes + "] for in=" + in
                    + " at " + bits + " bits, found " + codesView);
        }
        int out = (int) outL;
        int groups = in / groupSize;
        TensorView scalesView = source.tensor(prefix + SCALES);
        expect(scalesView, DType.F32, out, groups);
        TensorView zerosView = source.tensor(prefix + ZEROS);
        if (zerosView.dtype() != DType.U8) {
            expect(zerosView, DType.F32, out, groups);
        } else {
            expect(zerosView, DType.U8, out, groups);
        }
        byte[] packed = codesView.toByteArray();
        int padBits = rowBytes * 8 - in * bits;
        byte[] codes = new byte[out * in];
        for (int o = 0; o < out; o++) {
            if (padBits > 0 && ((packed[o * rowBytes + rowBytes - 1] & 0xFF) >>> (8 - padBits)) != 0) {
                throw new FormatException(codesView.name() + ": row " + o + " has non-zero padding bits (corrupt codes)");
            }
            PackedCodes.unpackInto(packed, o * rowBytes, bits, in, codes, o * in);
        }
        float[] zeros;
        if (zerosView.dtype() == DType.U8) {
            int[] z = zerosView.toIntArray();
            zeros = new float[z.length];
            for (int i = 0; i < z.length; i++) {
                zeros[i] = z[i];
            }
        } else {
            zeros = zerosView.toFloatArray();
        }
        return new QuantizedWeight(out, in, bits, groupSize, m[3] == 1, codes, scalesView.toFloatArray(), zeros);
    }

    private static void expect(TensorView t, DType dtype, long... shape) throws FormatException {
        if (t.dtype() != dtype || !Arrays.equals(t.shape(), shape)) {
            throw new FormatException(t.name() + ": expected " + dtype + " " + Arrays.toString(shape) + ", found " + t);
        }
    }
}
