package io.github.dllmquant.core.format;

import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import io.github.dllmquant.core.safetensors.TensorSource;
import io.github.dllmquant.core.tensor.DType;
import io.github.dllmquant.core.tensor.F16;
import io.github.dllmquant.core.tensor.TensorView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Arrays;

/**
 * One linear layer in the GPTQ checkpoint layout (AutoGPTQ / GPTQModel / Hugging Face
 * {@code quant_method: "gptq"}; ptq-methods.md §9.1), {@code b ∈ {2, 3, 4, 8}}:
 * <pre>
 *   PREFIX.qweight  I32  [in·b/32, out]      column o = the codes of inputs 0..in−1 as one little-endian
 *                                           bit stream: code of input i at stream bit b·i, stream bit k is
 *                                           bit (k mod 32) of word ⌊k/32⌋ (uint32). 4-bit: word r holds
 *                                           inputs 8r..8r+7, nibble j = input 8r+j. 3-bit: 32 inputs per
 *                                           3 words, c10 and c21 straddle words (10|1|10|1|10).
 *   PREFIX.qzeros   I32  [groups, out·b/32]  the zero points of each group packed the same way along out;
 *                                           v1 ("gptq") stores (z − 1) &amp; maxq per field, v2 ("gptq_v2") z
 *   PREFIX.scales   F16  [groups, out]
 *   PREFIX.g_idx    I32  [in]                group of each input
 * </pre>
 * Dequantization: {@code W[o][i] = scales[g_idx[i]][o]·(q[i][o] − z[g_idx[i]][o])}.
 *
 * <p>The codes are packed exactly as the quantizer produced them; the <b>scales are rounded to F16 by
 * the format</b>, so a written and re-read weight has identical codes and zeros and F16-rounded scales.
 * Symmetric weights are written with v1 zeros (sym 4-bit {@code z = 8} → {@code 0x77777777}),
 * asymmetric ones as {@code gptq_v2} (v1 cannot hold {@code z = 0} safely).
 *
 * <p>Act-order checkpoints ({@code desc_act}) assign groups through a permuted {@code g_idx}: reading one
 * returns the weight with its columns sorted by group plus the permutation ({@link Layer#perm()}).
 */
public final class GptqFormat {

    private static final Logger LOG = LoggerFactory.getLogger(GptqFormat.class);

    /** Suffixes of the four tensors. */
    public static final String QWEIGHT = ".qweight";
    /** Packed zero points. */
    public static final String QZEROS = ".qzeros";
    /** F16 scales. */
    public static final String SCALES = ".scales";
    /** Group index per input. */
    public static final String G_IDX = ".g_idx";

    private GptqFormat() {
    }

    /**
     * A layer read back: {@code weight} has consecutive groups over its columns; column {@code j} of it is
     * input {@code perm[j]} of the layer ({@code perm} is null when it is the identity).
     *
     * @param weight the codes, scales and zeros
     * @param perm   input of each weight column, or null
     */
    public record Layer(QuantizedWeight weight, int[] perm) {
    }

    /** Writes {@code q} (columns in input order) with v1 zeros if symmetric, else v2. */
    public static void write(SafeTensorsWriter writer, String prefix, QuantizedWeight q) {
        write(writer, prefix, q, null, q.symmetric() ? GptqConfig.V1 : GptqConfig.V2);
    }

    /**
     * Writes {@code q}, whose column {@code j} is input {@code perm[j]} (act-order; null = identity), with
     * zeros in {@code checkpointFormat} ({@link GptqConfig#V1} or {@link GptqConfig#V2}).
     *
     * @throws IllegalArgumentException if {@code bits} is not 2/3/4/8, {@code in·b} or {@code out·b} is not a
     *                                  multiple of 32, {@code perm} is not a permutation, or a scale does
     *                                  not fit F16
     */
    public static void write(SafeTensorsWriter writer, String prefix, QuantizedWeight q, int[] perm, String checkpointFormat) {
        int b = q.bits();
        int out = q.out();
        int in = q.in();
        if (b != 2 && b != 3 && b != 4 && b != 8) {
            throw new IllegalArgumentException(prefix + ": GPTQ packs 2, 3, 4 or 8 bits, not " + b);
        }
        if ((long) in * b % 32 != 0 || (long) out * b % 32 != 0) {
            throw new IllegalArgumentException(prefix + ": in·bits and out·bits must be multiples of 32 (in=" + in
                    + ", out=" + out + ", bits=" + b + ")");
        }
        if (!GptqConfig.V1.equals(checkpointFormat) && !GptqConfig.V2.equals(checkpointFormat)) {
            throw new IllegalArgumentException("checkpoint format must be gptq or gptq_v2, got " + checkpointFormat);
        }
        int[] columnOf = inverse(perm, in, prefix); // column of q holding input i
        int groups = q.groups();
        int g = q.groupSize();
        int maxq = q.maxCode();
        int[] qweight = new int[in * b / 32 * out];
        for (int i = 0; i < in; i++) {
            int j = columnOf == null ? i : columnOf[i];
            for (int o = 0; o < out; o++) {
                put(qweight, out, o, i, b, q.code(o, j));
            }
        }
        int zeroWords = out * b / 32;
        int[] qzeros = new int[groups * zeroWords];
        float[] scales = new float[groups * out];
        boolean v1 = GptqConfig.V1.equals(checkpointFormat);
        for (int gi = 0; gi < groups; gi++) {
            for (int o = 0; o < out; o++) {
                int z = (int) q.zeros()[o * groups + gi];
                put(qzeros, 1, gi * zeroWords, o, b, v1 ? (z - 1) & maxq : z & maxq);
                float s = q.scales()[o * groups + gi];
                float s16 = F16.round(s);
                if (Float.isInfinite(s16) || (s16 == 0f && s != 0f)) {
                    throw new IllegalArgumentException(prefix + ": scale " + s + " of row " + o + ", group " + gi
                            + " does not fit F16");
                }
                scales[gi * out + o] = s;
            }
        }
        int[] gIdx = new int[in];
        for (int i = 0; i < in; i++) {
            gIdx[i] = (columnOf == null ? i : columnOf[i]) / g;
        }
        writer.addI32(prefix + QWEIGHT, new long[]{in * b / 32, out}, qweight);
        writer.addI32(prefix + QZEROS, new long[]{groups, zeroWords}, qzeros);
        writer.addF16(prefix + SCALES, new long[]{groups, out}, scales);
        writer.addI32(prefix + G_IDX, new long[]{in}, gIdx);
    }

    /**
     * Sets the {@code b}-bit field at stream position {@code pos} of a bit stream of int words: word
     * {@code k} of the stream is {@code words[k·stride + col]} (qweight: a column of {@code [words, out]};
     * qzeros: a row, stride 1, starting at {@code col}).
     */
    private static void put(int[] words, int stride, int col, int pos, int b, int value) {
        long bit = (long) b * pos;
        int w = (int) (bit >>> 5);
        int shift = (int) (bit & 31);
        words[w * stride + col] |= value << shift;
        if (shift + b > 32) {
            words[(w + 1) * stride + col] |= value >>> (32 - shift);
        }
    }

    private static int get(int[] words, int stride, int col, int pos, int b) {
        long bit = (long) b * pos;
        int w = (int) (bit >>> 5);
        int shift = (int) (bit & 31);
        int v = words[w * stride + col] >>> shift;
        if (shift + b > 32) {
            v |= words[(w + 1) * stride + col] << (32 - shift);
        }
        return v & ((1 << b) - 1);
    }

    private static int[] inverse(int[] perm, int in, String prefix) {
        if (perm == null) {
            return null;
        }
        if (perm.length != in) {
            throw new IllegalArgumentException(prefix + ": perm has " + perm.length + " entries, expected in = " + in);
        }
        int[] inv = new int[in];
        Arrays.fill(inv, -1);
        for (int j = 0; j < in; j++) {
            if (perm[j] < 0 || perm[j] >= in || inv[perm[j]] != -1) {
                throw new IllegalArgumentException(prefix + ": perm is not a permutation of 0.." + (in - 1) + " (entry " + j + ")");
            }
            inv[perm[j]] = j;
        }
        return inv;
    }

    /**
     * Reads the layer under {@code prefix} with the settings of {@code config}.
     *
     * <p>Zeros: {@code gptq_v2} stores {@code z}; v1 stores {@code z − 1}, decoded per field as
     * {@code (zs + 1) & maxq}. For symmetric models the stored fields are checked: all
     * {@code 2^(b−1) − 1} means v1, all {@code 2^(b−1)} means v2, whatever the label says (some
     * checkpoints labelled "gptq" hold v2 zeros); a mismatch is logged. v1 cannot hold {@code z = 0}:
     * GPTQModel writes it by subtracting the packed constant from the whole word (borrowing from the next
     * field), so for 2/4/8-bit checkpoints whose {@code meta.quantizer} is GPTQModel the word-wise inverse
     * (adding the constant) is used; AutoGPTQ ORs in a sign-extended −1 and loses the higher fields, which
     * is logged as a warning.
     *
     * @throws IOException if a tensor is missing, has the wrong dtype or shape, or {@code g_idx} is invalid
     */
    public static Layer read(TensorSource source, String prefix, GptqConfig config) throws IOException {
        int b = config.bits();
        TensorView qweightView = source.tensor(prefix + QWEIGHT);
        if (qweightView.dtype() != DType.I32 || qweightView.rank() != 2) {
            throw new FormatException(qweightView.name() + ": expected I32 [in·bits/32, out], found " + qweightView);
        }
        long inL = qweightView.dim(0) * 32 / b;
        long outL = qweightView.dim(1);
        if (qweightView.dim(0) * 32 % b != 0 || inL <= 0 || outL <= 0 || outL * b % 32 != 0
                || inL * outL > Integer.MAX_VALUE - 8) {
            throw new FormatException(qweightView.name() + ": shape " + Arrays.toString(qweightView.shape())
                    + " does not fit " + b + "-bit GPTQ packing");
        }
        int in = (int) inL;
        int out = (int) outL;
        int g = config.groupSize() == -1 ? in : config.groupSize();
        int groups = (in + g - 1) / g;
        int zeroWords = out * b / 32;
        TensorView qzerosView = expect(source.tensor(prefix + QZEROS), groups, zeroWords, DType.I32);
        TensorView scalesView = source.tensor(prefix + SCALES);
        if (scalesView.dtype() != DType.F16 && scalesView.dtype() != DType.BF16 && scalesView.dtype() != DType.F32) {
            throw new FormatException(scalesView.name() + ": expected F16 (or BF16/F32) scales, found " + scalesView);
        }
        expect(scalesView, groups, out, scalesView.dtype());
        int[] gIdx = gIdx(source, prefix, in, g, groups);
        int[] perm = permutation(prefix, gIdx, g, groups);

        int[] qweight = qweightView.toIntArray();
        int[] qzeros = qzerosView.toIntArray();
        float[] scalesT = scalesView.toFloatArray();
        int maxq = (1 << b) - 1;
        boolean v1 = zerosAreV1(prefix, config, qzeros);
        if (v1 && wordwiseV1(config)) {
            int constant = packedOnes(b);
            for (int k = 0; k < qzeros.length; k++) {
                qzeros[k] += constant;
            }
            v1 = false;
        }
        float[] zeros = new float[out * groups];
        float[] scales = new float[out * groups];
        int zeroFields = 0;
        for (int gi = 0; gi < groups; gi++) {
            for (int o = 0; o < out; o++) {
                int zs = get(qzeros, 1, gi * zeroWords, o, b);
                if (v1 && zs == maxq) {
                    zeroFields++;
                }
                zeros[o * groups + gi] = v1 ? (zs + 1) & maxq : zs;
                scales[o * groups + gi] = scalesT[gi * out + o];
            }
        }
        if (zeroFields > 0) {
            LOG.warn("{}: {} v1 zero points decode to 0; v1 cannot store z = 0 safely, so the zero of the next "
                    + "higher field in those words may be wrong (re-save as gptq_v2)", prefix, zeroFields);
        }
        byte[] codes = new byte[out * in];
        for (int j = 0; j < in; j++) {
            int i = perm == null ? j : perm[j];
            for (int o = 0; o < out; o++) {
                codes[o * in + j] = (byte) get(qweight, out, o, i, b);
            }
        }
        return new Layer(new QuantizedWeight(out, in, b, g, config.symmetric(), codes, scales, zeros), perm);
    }

    private static TensorView expect(TensorView t, long rows, long cols, DType dtype) throws FormatException {
        if (t.dtype() != dtype || t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new FormatException(t.name() + ": expected " + dtype + " [" + rows + ", " + cols + "], found " + t);
        }
        return t;
    }

    private static int[] gIdx(TensorSource source, String prefix, int in, int g, int groups) throws IOException {
        if (!source.contains(prefix + G_IDX)) {
            int[] gIdx = new int[in];
            for (int i = 0; i < in; i++) {
                gIdx[i] = i / g;
            }
            return gIdx;
        }
        TensorView view = source.tensor(prefix + G_IDX);
        if (view.dtype() != DType.I32 || view.rank() != 1 || view.dim(0) != in) {
            throw new FormatException(view.name() + ": expected I32 [" + in + "], found " + view);
        }
        int[] gIdx = view.toIntArray();
        for (int i = 0; i < in; i++) {
            if (gIdx[i] < 0 || gIdx[i] >= groups) {
                throw new FormatException(view.name() + ": input " + i + " is in group " + gIdx[i]
                        + ", outside 0.." + (groups - 1));
            }
        }
        return gIdx;
    }

    /** Null when {@code g_idx[i] = i/g}; else inputs sorted by group (stable), each group exactly {@code g} wide. */
    private static int[] permutation(String prefix, int[] gIdx, int g, int groups) throws FormatException {
        boolean identity = true;
        for (int i = 0; i < gIdx.length && identity; i++) {
            identity = gIdx[i] == i / g;
        }
        if (identity) {
            return null;
        }
        if (gIdx.length % g != 0) {
            throw new FormatException(prefix + G_IDX + ": act-order needs in divisible by group size " + g);
        }
        int[] count = new int[groups];
        for (int v : gIdx) {
            count[v]++;
        }
        for (int k = 0; k < groups; k++) {
            if (count[k] != g) {
                throw new FormatException(prefix + G_IDX + ": group " + k + " has " + count[k] + " inputs, expected " + g);
            }
        }
        int[] next = new int[groups];
        for (int k = 0; k < groups; k++) {
            next[k] = k * g;
        }
        int[] perm = new int[gIdx.length];
        for (int i = 0; i < gIdx.length; i++) {
            perm[next[gIdx[i]]++] = i;
        }
        return perm;
    }

    /** Whether stored zeros are v1, checking symmetric checkpoints against their label. */
    private static boolean zerosAreV1(String prefix, GptqConfig config, int[] qzeros) {
        boolean labelled = config.v1();
        if (!config.symmetric()) {
            return labelled;
        }
        int b = config.bits();
        int fields = qzeros.length * 32 / b;
        boolean allV1 = true;
        boolean allV2 = true;
        int half = 1 << (b - 1);
        for (int f = 0; f < fields && (allV1 || allV2); f++) {
            int v = get(qzeros, 1, 0, f, b); // rows hold exactly out fields: the array is one stream
            allV1 &= v == half - 1;
            allV2 &= v == half;
        }
        if (allV1 && !labelled) {
            LOG.warn("{}: labelled {} but every zero field is {} (v1 zeros of a symmetric model): reading as v1",
                    prefix, config.checkpointFormat(), half - 1);
            return true;
        }
        if (allV2 && labelled) {
            LOG.warn("{}: labelled {} but every zero field is {} (v2 zeros of a symmetric model): reading as v2",
                    prefix, config.checkpointFormat(), half);
            return false;
        }
        return labelled;
    }

    private static boolean wordwiseV1(GptqConfig config) {
        int b = config.bits();
        return (b == 2 || b == 4 || b == 8) && config.quantizer() != null
                && config.quantizer().toLowerCase().startsWith("gptqmodel");
    }

    /** One in every b-bit field of a word: 0x11111111 (4-bit), 0x01010101 (8-bit), 0x55555555 (2-bit). */
    static int packedOnes(int b) {
        int c = 0;
        for (int shift = 0; shift < 32; shift += b) {
            c |= 1 << shift;
        }
        return c;
    }
}
