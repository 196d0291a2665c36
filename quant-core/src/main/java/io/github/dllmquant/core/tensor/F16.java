package io.github.dllmquant.core.tensor;

/**
 * IEEE half precision ↔ float32 conversions, bit-exact with PyTorch ({@code c10::Half}).
 *
 * <pre>
 *   f16 bits: sign (15), exponent 14..10 (bias 15), mantissa 9..0
 *   float → f16: round to nearest even, including into and out of the subnormal range
 *                (smallest subnormal 2^-24); values at or past 65520 round to ±Inf;
 *                every NaN becomes sign | 0x7E00 (PyTorch keeps the sign, drops the payload)
 *   f16 → float: exact; a NaN keeps its sign and payload and is quieted (bit 22 set),
 *                as PyTorch's arithmetic conversion does on x86
 * </pre>
 */
public final class F16 {

    private F16() {
    }

    /** The half-precision bits nearest to {@code f} (ties to even). */
    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            return (short) (((Float.floatToRawIntBits(f) >>> 16) & 0x8000) | 0x7E00);
        }
        // JDK's conversion rounds to nearest even, handles subnormals and overflow to infinity
        return Float.floatToFloat16(f);
    }

    /** The float of half-precision {@code bits} (exact). */
    public static float toFloat(short bits) {
        int h = bits & 0xFFFF;
        if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0) {
            int sign = (h & 0x8000) << 16;
            return Float.intBitsToFloat(sign | 0x7FC00000 | ((h & 0x03FF) << 13));
        }
        return Float.float16ToFloat(bits);
    }

    /** {@code f} rounded to the nearest half-precision value, as a float. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
