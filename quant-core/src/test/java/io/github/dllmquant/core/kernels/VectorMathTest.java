package io.github.dllmquant.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class VectorMathTest {

    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int L = F.length();

    /** The algorithm of {@link VectorMath#exp} in scalar IEEE operations: the bits it must give, compiled or not. */
    private static float expTwin(float x) {
        float xc = Math.min(Math.max(x, -104f), 88.8f);
        float t = Math.fma(xc, 1.44269504088896341f, 12582912f);
        float n = t - 12582912f;
        int ni = Float.floatToRawIntBits(t) - 0x4B400000;
        float r = Math.fma(n, -0.693359375f, xc);
        r = Math.fma(n, 2.12194440e-4f, r);
        float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        p = Math.fma(p, r * r, r) + 1f;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    /** Tree order: halve the lanes, adding lane i + half into lane i, until one is left. */
    private static float sumTwin(float[] lanes) {
        float[] v = lanes.clone();
        for (int half = v.length / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                v[i] = v[i] + v[i + half];
            }
        }
        return v[0];
    }

    private static float[] randomLanes(Random rnd, float scale) {
        float[] x = new float[L];
        for (int i = 0; i < L; i++) {
            x[i] = (float) (rnd.nextGaussian() * scale);
        }
        return x;
    }

    @Test
    void expIsWithinTwoUlpOfMathExp() {
        float[] x = new float[L];
        for (float v = -87f; v < 88.7f; v += 0.00731f) {
            java.util.Arrays.fill(x, v);
            float e = VectorMath.exp(FloatVector.fromArray(F, x, 0)).lane(0);
            float ref = (float) Math.exp(v);
            assertThat(Math.abs(e - ref)).as("exp(%s)", v).isLessThanOrEqualTo(2 * Math.ulp(ref));
        }
    }

    @Test
    void expEdgeValues() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 88.72f, 88.73f, 89f,
                1000f, -87.5f, -100f, -104f, -105f, -1e30f, 1f, -1f};
        float[] in = new float[L * ((x.length + L - 1) / L)];
        System.arraycopy(x, 0, in, 0, x.length);
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i += L) {
            VectorMath.exp(FloatVector.fromArray(F, in, i)).intoArray(out, i);
        }
        assertThat(out[0]).isNaN();
        assertThat(out[1]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(out[2]).isEqualTo(0f);
        assertThat(out[3]).isEqualTo(1f);
        assertThat(out[4]).isEqualTo(1f);
        assertThat(out[5]).isCloseTo((float) Math.exp(88.72f), org.assertj.core.api.Assertions.within(2 * Math.ulp((float) Math.exp(88.72f))));
        assertThat(out[6]).isEqualTo(Float.POSITIVE_INFINITY); // e^88.73 > Float.MAX_VALUE
        assertThat(out[7]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(out[8]).isEqualTo(Float.POSITIVE_INFINITY);
        // subnormal results: within one subnormal step of the correctly rounded value
        for (int i = 9; i <= 11; i++) {
            float ref = (float) Math.exp(x[i]);
            assertThat(Math.abs(out[i] - ref)).as("exp(%s)", x[i]).isLessThanOrEqualTo(Float.MIN_VALUE * 2 + 2 * Math.ulp(ref));
        }
        assertThat(out[12]).isEqualTo(0f);
        assertThat(out[13]).isEqualTo(0f);
        assertThat(out[14]).isEqualTo((float) Math.E);
        assertThat(out[15]).isCloseTo((float) Math.exp(-1), org.assertj.core.api.Assertions.within(Math.ulp(0.36787945f)));
    }

    /**
     * The point of the class: the bits are those of the scalar IEEE twin before and after C2 compiles the
     * calls (the loop runs long enough to get them compiled), unlike {@code lanewise(EXP)} and
     * {@code reduceLanes(ADD)}.
     */
    @Test
    void sameBitsInterpretedAndCompiled() {
        Random rnd = new Random(7);
        float[][] inputs = new float[64][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = randomLanes(rnd, i % 2 == 0 ? 3f : 40f);
        }
        for (int round = 0; round < 2000; round++) {
            for (float[] x : inputs) {
                FloatVector v = FloatVector.fromArray(F, x, 0);
                float[] e = new float[L];
                VectorMath.exp(v).intoArray(e, 0);
                if (round % 500 == 0 || round == 1999) {
                    for (int i = 0; i < L; i++) {
                        assertThat(Float.floatToRawIntBits(e[i])).as("exp(%s) round %d", x[i], round)
                                .isEqualTo(Float.floatToRawIntBits(expTwin(x[i])));
                    }
                    assertThat(Float.floatToRawIntBits(VectorMath.sum(v))).as("sum, round %d", round)
                            .isEqualTo(Float.floatToRawIntBits(sumTwin(x)));
                    assertThat(Float.floatToRawIntBits(VectorMath.sum(x.clone(), L))).as("array sum, round %d", round)
                            .isEqualTo(Float.floatToRawIntBits(sumTwin(x)));
                } else {
                    VectorMath.sum(v);
                }
            }
        }
    }
}
