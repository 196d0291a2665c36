package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.kernels.Bf16Weights;
import io.github.dllmquant.core.kernels.Gemm;
import io.github.dllmquant.core.kernels.PackedF32Weights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A full-precision linear layer: F32 weights repacked once into the GEMM panel layout, or BF16 weights
 * read in place (for example from a mapped safetensors file) and converted a panel at a time per call.
 * The reference every quantized layer is compared with.
 *
 * <p>Memory ownership: {@link #of(float[], float[], int, int)} packs into an automatic arena (freed by
 * the garbage collector once the layer is unreachable); {@link #of(float[], float[], int, int, Arena)}
 * packs into an arena the caller owns and closes; {@link #bf16} keeps a reference to the caller's
 * segment, which must stay open as long as the layer is used.
 */
public final class DenseLinear implements Linear {

    private final PackedF32Weights f32;  // or null
    private final Bf16Weights bf16;      // or null
    private final float[] bias;          // (out) or null
    private final int out;
    private final int in;

    private DenseLinear(PackedF32Weights f32, Bf16Weights bf16, float[] bias, int out, int in) {
        this.f32 = f32;
        this.bf16 = bf16;
        this.bias = bias;
        this.out = out;
        this.in = in;
    }

    /**
     * A layer over a packed copy of {@code weight} (in an automatic arena).
     *
     * @param weight {@code [out, in]} row-major
     * @param bias   {@code [out]} or {@code null}
     */
    public static DenseLinear of(float[] weight, float[] bias, int out, int in) {
        return of(weight, bias, out, in, Arena.ofAuto());
    }

    /** As {@link #of(float[], float[], int, int)}, packing into {@code arena} (the caller closes it after the last use). */
    public static DenseLinear of(float[] weight, float[] bias, int out, int in, Arena arena) {
        Objects.requireNonNull(weight, "weight");
        checkShape(out, in, bias);
        if (weight.length != (long) out * in) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, expected out*in = "
                    + out + "*" + in + " = " + (long) out * in);
        }
        return new DenseLinear(PackedF32Weights.pack(weight, out, in, arena), null,
                bias == null ? null : bias.clone(), out, in);
    }

    /**
     * A layer reading BF16 weights {@code [out, in]} (row-major, little-endian, {@code 2·out·in} bytes) in
     * place from {@code weightsBf16}, which must stay open while the layer is used.
     */
    public static DenseLinear bf16(MemorySegment weightsBf16, float[] bias, int out, int in) {
        Objects.requireNonNull(weightsBf16, "weightsBf16");
        checkShape(out, in, bias);
        return new DenseLinear(null, Bf16Weights.of(weightsBf16, out, in), bias == null ? null : bias.clone(), out, in);
    }

    private static void checkShape(int out, int in, float[] bias) {
        if (out <= 0 || in <= 0) {
            throw new IllegalArgumentException("out and in must be positive: out=" + out + ", in=" + in);
        }
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected out = " + out);
        }
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }

    @Override
    public void forward(float[] x, int tokens, float[] y) {
        if (f32 != null) {
            Gemm.gemm(x, tokens, f32, bias, y);
        } else {
            Gemm.gemm(x, tokens, bf16, bias, y);
        }
    }

    @Override
    public float[] effectiveWeight() {
        return f32 != null ? f32.unpack() : bf16.toFloats();
    }

    @Override
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    @Override
    public long parameterBytes() {
        long weights = f32 != null ? f32.byteSize() : 2L * out * in;
        return weights + (bias == null ? 0 : 4L * bias.length);
    }

    @Override
    public String format() {
        return f32 != null ? "f32" : "bf16";
    }

    @Override
    public String toString() {
        return "DenseLinear[" + out + "x" + in + ", " + format() + (bias == null ? "" : ", bias") + "]";
    }
}
