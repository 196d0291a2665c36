package io.github.dllmquant.core.tensor;

/**
 * bfloat16 ↔ float32 conversions, bit-exact with PyTorch ({@code c10::BFloat16}).
 *
 * <pre>
 *   bf16 bits = float bits 31..16 (sign, 8 exponent bits, 7 mantissa bits)
 *   float → bf16: round to nearest even on bit 16: (bits + 0x7FFF + ((bits >> 16) &amp; 1)) >>> 16;
 *                 every NaN becomes the canonical quiet NaN 0x7FC0 (sign dropped, as PyTorch);
 *                 subnormals round like normals; values past the largest bf16 round to ±Inf.
 *   bf16 → float: bits &lt;&lt; 16 (exact)
 * </pre>
 */
public final class Bf16 {

    /** PyTorch's NaN for bfloat16. */
    public static final short NAN = (short) 0x7FC0;

    private Bf16() {
    }

    /** The bfloat16 bits nearest to {@code f} (ties to even). */
    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            return NAN;
        }
        int bits = Float.floatToRawIntBits(f);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** The float of bfloat16 {@code bits} (exact). */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@code f} rounded to the nearest bfloat16 value, as a float. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
