package io.github.dllmquant.core.hadamard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HadamardTransformTest {

    /** Transforming the input online and the weight rows offline leaves x·wᵀ unchanged. */
    private static void assertInvariant(HadamardTransform t) {
        int n = t.width();
        float[] x = FastHadamardTest.random(n, 1);
        float[] w = FastHadamardTest.random(n, 2);
        double ref = 0;
        for (int i = 0; i < n; i++) {
            ref += (double) x[i] * w[i];
        }
        float[] tx = x.clone();
        t.apply(tx, 1);
        double[] tw = new double[n];
        for (int i = 0; i < n; i++) {
            tw[i] = w[i];
        }
        t.apply(tw, 0);
        double got = 0;
        for (int i = 0; i < n; i++) {
            got += tx[i] * tw[i];
        }
        assertThat(got).as(t.describe()).isCloseTo(ref, within(1e-4 * Math.sqrt(n)));
        // the transform actually changed the vector
        assertThat(tx).isNotEqualTo(x);
    }

    @Test
    void fullSignedAndHeadTransformsAreInvariantUnderMatchingWeightTransform() {
        assertInvariant(HadamardTransform.full(768));
        assertInvariant(HadamardTransform.full(256));
        assertInvariant(HadamardTransform.randomSigned(192, 42));
        assertInvariant(HadamardTransform.overHeads(8, 32));
        assertInvariant(HadamardTransform.overHeads(40, 3));
    }

    @Test
    void signedTransformAppliesSignsFirst() {
        byte[] s = {1, -1, -1, 1};
        HadamardTransform t = HadamardTransform.signed(s);
        float[] x = {1, 2, 3, 4};
        t.apply(x, 1);
        float[] y = {1, -2, -3, 4};
        FastHadamard.transformRows(y, 1, 4);
        assertThat(x).containsExactly(y);
    }

    @Test
    void specRoundTripRebuildsAnIdenticalTransform() {
        HadamardTransform a = HadamardTransform.randomSigned(384, 7);
        HadamardTransform.Spec spec = a.spec();
        HadamardTransform b = HadamardTransform.fromSpec(new HadamardTransform.Spec(spec.kind(), spec.width(),
                spec.heads(), spec.hadK(), spec.signs()));
        assertThat(b.spec()).isEqualTo(spec);
        float[] x = FastHadamardTest.random(2 * 384, 3);
        float[] y = x.clone();
        a.apply(x, 2);
        b.apply(y, 2);
        assertThat(y).containsExactly(x);
        assertThat(a.describe()).isEqualTo("hadamard 12x32 signed");
        assertThat(HadamardTransform.overHeads(8, 32).describe()).isEqualTo("hadamard heads 8x32");
        assertThat(a.parameterBytes()).isEqualTo(384);
    }

    @Test
    void badSpecsAreRejected() {
        assertThatThrownBy(() -> HadamardTransform.fromSpec(new HadamardTransform.Spec(
                HadamardTransform.Kind.FULL, 768, 1, 1, null))).hasMessageContaining("K = 12");
        assertThatThrownBy(() -> new HadamardTransform.Spec(HadamardTransform.Kind.FULL, 4, 1, 1,
                new byte[] {1, 0, 1, 1})).hasMessageContaining("signs[1]");
        assertThatThrownBy(() -> HadamardTransform.full(6)).hasMessageContaining("size 6");
        assertThatThrownBy(() -> HadamardTransform.full(8).apply(new float[7], 1)).hasMessageContaining("tokens");
    }

    @Test
    void randomSignsAreSeeded() {
        assertThat(HadamardTransform.randomSigns(64, 5)).containsExactly(HadamardTransform.randomSigns(64, 5));
        assertThat(HadamardTransform.randomSigns(64, 5)).isNotEqualTo(HadamardTransform.randomSigns(64, 6));
    }
}
