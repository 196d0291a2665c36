package io.github.dllmquant.core.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Lane sums and {@code exp} for the Vector API kernels whose results do not depend on whether C2 has
 * compiled the caller yet.
 *
 * <p>{@code reduceLanes(ADD)} and {@code lanewise(EXP)} are not reproducible: the Java fallback that runs
 * before C2 compiles a kernel sums lanes from lane 0 up and calls {@code Math.exp} per lane, while the
 * compiled intrinsics sum as a tree and call a vector math library. A model then produced different
 * logits for the same input early and late in one process (a reloaded model did not match the one it was
 * saved from, and a GEMM over a row range did not match the same rows of a full call). The versions here
 * are built only from lane-wise IEEE operations ({@code add}, {@code mul}, {@code fma}, shifts,
 * {@code slice}), which give the same bits in both modes.
 */
public final class VectorMath {

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two so that {@code n·LN2_HI} is exact for |n| ≤ 2^9 (Cody-Waite reduction). */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, kept in the low bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    /** Below this, e^x underflows to 0 even as a subnormal. */
    private static final float EXP_MIN = -104f;
    /** Above ln(Float.MAX_VALUE) ≈ 88.7228; clamped here the result still rounds to +∞. */
    private static final float EXP_MAX = 88.8f;

    private VectorMath() {
    }

    /**
     * The sum of all lanes, as the tree {@code (v0 + v_{L/2}) + ...} halving the vector each step
     * (the order C2's own reduction uses, so compiled code loses nothing).
     */
    public static float sum(FloatVector v) {
        for (int half = v.length() / 2; half >= 1; half /= 2) {
            v = v.add(v.slice(half));
        }
        return v.lane(0);
    }

    /**
     * The sum of {@code lanes[0, n)} ({@code n} a power of two, the lane count) in the tree order of
     * {@link #sum(FloatVector)}, in scalar adds, overwriting {@code lanes}: the same bits as the vector version
     * for the vector stored there. For large tiles, where C2 may not inline a call taking a vector and would
     * box it, store the accumulator with {@code intoArray} and sum it here.
     */
    public static float sum(float[] lanes, int n) {
        return sum(lanes, 0, n);
    }

    /**
     * {@link #sum(float[], int)} of {@code lanes[off, off + n)}, overwriting that range. Used for loop-carried
     * accumulators: {@code sum(FloatVector)} slices, and when C2 fails to expand those shuffle intrinsics the
     * argument must be a real object, which boxes the accumulator at its definition inside the loop, every
     * iteration (INT-KERNELS attempt 20). The caller's {@code intoArray} of the accumulator is not immune either:
     * once the JDK's shared {@code FloatVector.intoArray} has used up C2's class speculation it is compiled as a
     * virtual call and boxes the same way (attempt 74, not fixed).
     */
    public static float sum(float[] lanes, int off, int n) {
        for (int half = n / 2; half >= 1; half /= 2) {
            for (int i = off; i < off + half; i++) {
                lanes[i] += lanes[i + half];
            }
        }
        return lanes[off];
    }

    /** The sum of all lanes in the fixed tree order of {@link #sum(FloatVector)}. */
    public static double sum(DoubleVector v) {
        for (int half = v.length() / 2; half >= 1; half /= 2) {
            v = v.add(v.slice(half));
        }
        return v.lane(0);
    }

    /**
     * {@code e^x} per lane, within 2 ulp of {@code Math.exp} for normal results; subnormal results are
     * rounded twice (still within one subnormal step); +∞ above ln(Float.MAX_VALUE), 0 below −104, NaN
     * for NaN. Cody-Waite reduction {@code x = n·ln2 + r}, |r| ≤ ln2/2, and Cephes' degree-7 polynomial
     * for {@code e^r}; {@code 2^n} is applied as two exact power-of-two factors so that n from −150 to
     * 128 stays within the normal exponent range.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX); // NaN stays NaN
        FloatVector t = xc.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), xc);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, x.broadcast(8.3334519073e-3f));
        p = p.fma(r, x.broadcast(4.1665795894e-2f));
        p = p.fma(r, x.broadcast(1.6666665459e-1f));
        p = p.fma(r, x.broadcast(5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector scale1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector scale2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale1).mul(scale2);
    }
}
