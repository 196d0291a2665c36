package io.github.dllmquant.methods.duquant;

import io.github.dllmquant.core.hadamard.TransformedLinear;
import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.methods.BlockReport;
import io.github.dllmquant.methods.synthetic.OutlierBlocks;
import io.github.dllmquant.methods.synthetic.RtnWeightActivation;
import io.github.dllmquant.methods.synthetic.SyntheticBlock;
import io.github.dllmquant.methods.synthetic.SyntheticModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DuQuantTest {

    private static final int TOKENS = 24;

    @Test
    void givensBaseIsOrthogonalWithAUniformFirstRow() {
        int n = 16;
        double[] r0 = GreedyRotation.givensBase(n);
        for (int j = 0; j < n; j++) {
            assertThat(r0[j]).as("R0[0][%d]", j).isCloseTo(1 / Math.sqrt(n), within(1e-12));
        }
        assertOrthogonal(r0, n, 1e-12);
        double[] rt = GreedyRotation.randomizedBase(r0, n, new SplittableRandom(1));
        assertOrthogonal(rt, n, 1e-10);
        assertThat(rt[0]).isCloseTo(1 / Math.sqrt(n), within(1e-12)); // diag(1, Q') keeps column 0
    }

    private static void assertOrthogonal(double[] m, int n, double tol) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    dot += m[i * n + k] * m[j * n + k];
                }
                assertThat(dot).as("row %d . row %d", i, j).isCloseTo(i == j ? 1 : 0, within(tol));
            }
        }
    }

    @Test
    void greedyRotationLowersThePeakOfAnOutlierChannel() {
        int n = 32;
        int rows = 40;
        Random r = new Random(3);
        float[] x = SyntheticModel.gaussian(r, rows * n, 1f);
        for (int t = 0; t < rows; t++) {
            x[t * n + 7] *= 60;
        }
        float[] rot = GreedyRotation.rotation(x, rows, n, 64, false, new SplittableRandom(5));
        double[] rd = new double[rot.length];
        for (int i = 0; i < rot.length; i++) {
            rd[i] = rot[i];
        }
        assertOrthogonal(rd, n, 1e-5);
        float[] y = new float[x.length];
        GreedyRotation.multiply(x, rows, n, rot, y);
        assertThat(peak(y)).isLessThan(0.4 * peak(x));
        // zero steps give the identity
        float[] id = GreedyRotation.rotation(x, rows, n, 0, false, new SplittableRandom(5));
        for (int i = 0; i < n; i++) {
            assertThat(id[i * n + i]).isEqualTo(1f);
        }
    }

    private static double peak(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        return max - min;
    }

    @Test
    void zigzagDealsChannelsInBoustrophedonOrder() {
        // 8 channels, blocks of 2 -> 4 blocks; channel j has max |x| = 8 - j (descending already)
        float[] x = {8, 7, 6, 5, 4, 3, 2, 1};
        int[] perm = GreedyRotation.zigzag(x, 1, 8, 2);
        // sorted 0..7 dealt to blocks 0,1,2,3,3,2,1,0 -> block0 {0,7}, block1 {1,6}, block2 {2,5}, block3 {3,4}
        assertThat(perm).containsExactly(0, 7, 1, 6, 2, 5, 3, 4);
    }

    @Test
    void blockSizeFollowsTheWidth() {
        assertThat(DuQuant.blockSizeFor(4096, 128)).isEqualTo(128);
        assertThat(DuQuant.blockSizeFor(64, 128)).isEqualTo(64);
        assertThat(DuQuant.blockSizeFor(192, 128)).isEqualTo(96);
        assertThat(DuQuant.blockSizeFor(768, 128)).isEqualTo(128);
    }

    @Test
    void transformEqualsTheExplicitBlockProductsAndGather() {
        int width = 256;
        int b = 128;
        int tokens = 5;
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        float[] r1 = new float[b * b];
        float[] r2 = new float[b * b];
        for (int i = 0; i < b * b; i++) {
            r1[i] = (float) (random.nextDouble() - 0.5);
            r2[i] = (float) (random.nextDouble() - 0.5);
        }
        int[] perm = new int[width];
        for (int i = 0; i < width; i++) {
            perm[i] = (i * 37 + 11) % width; // 37 is coprime with 256: a permutation
        }
        float[] x = new float[tokens * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 4 - 2);
        }
        float[] expected = new float[x.length];
        for (int t = 0; t < tokens; t++) {
            double[] a = new double[width];
            for (int blk = 0; blk < width; blk += b) {
                for (int j = 0; j < b; j++) {
                    for (int k = 0; k < b; k++) {
                        a[blk + j] += (double) x[t * width + blk + k] * r1[k * b + j];
                    }
                }
            }
            double[] g = new double[width];
            for (int i = 0; i < width; i++) {
                g[i] = a[perm[i]];
            }
            for (int blk = 0; blk < width; blk += b) {
                for (int j = 0; j < b; j++) {
                    double acc = 0;
                    for (int k = 0; k < b; k++) {
                        acc += g[blk + k] * r2[k * b + j];
                    }
                    expected[t * width + blk + j] = (float) acc;
                }
            }
        }
        DuQuantTransform.of(width, b, r1, perm, r2).apply(x, tokens);
        for (int i = 0; i < x.length; i++) {
            assertThat(x[i]).as("value %d", i).isCloseTo(expected[i], within(1e-3f * (1 + Math.abs(expected[i]))));
        }
    }

    @Test
    void transformRejectsABadPermutationAndRoundTripsItsParameters() {
        float[] id = new float[4];
        id[0] = 1;
        id[3] = 1;
        assertThatThrownBy(() -> DuQuantTransform.of(4, 2, id, new int[] {0, 1, 1, 3}, id))
                .hasMessageContaining("perm[2]");
        DuQuantTransform t = DuQuantTransform.of(4, 2, id, new int[] {3, 2, 1, 0}, id);
        float[] x = {1, 2, 3, 4};
        t.apply(x, 1);
        assertThat(x).containsExactly(4, 3, 2, 1);
        DuQuantTransform back = DuQuantTransform.of(t.width(), t.blockSize(), t.r1(), t.permutation(), t.r2());
        assertThat(back.permutation()).containsExactly(3, 2, 1, 0);
    }

    @Test
    void smoothingAndRotationsWithoutQuantizationKeepTheBlockFunction() {
        List<float[]> xs = OutlierBlocks.inputs(4, TOKENS, 1);
        SyntheticBlock b = OutlierBlocks.block(21);
        List<float[]> ref = OutlierBlocks.outputs(b, xs, TOKENS);
        DuQuant dq = new DuQuant(DuQuant.Config.defaults().withRotationSteps(32));
        DuQuant.BlockTransforms tr = dq.calibrate(b, xs, TOKENS, ProgressListener.NONE);
        assertThat(tr.groups()).extracting(DuQuant.GroupTransform::role)
                .containsExactly(GroupRole.QKV, GroupRole.O, GroupRole.GATE_UP, GroupRole.DOWN);
        assertThat(tr.groups().get(3).transform().blockSize()).isEqualTo(128);
        dq.apply(b, tr, false, null, TOKENS);
        assertThat(b.linear(LinearRole.DOWN)).isInstanceOf(TransformedLinear.class);
        double err = OutlierBlocks.deltaError(xs, OutlierBlocks.outputs(b, xs, TOKENS), ref);
        assertThat(err).as("DuQuant transforms alone must not change the block").isLessThan(1e-4);
    }

    @Test
    void w4a4DuQuantBeatsRtnAndW8a8IsCloseToFullPrecision() {
        List<float[]> xs = OutlierBlocks.inputs(4, TOKENS, 3);
        double rtn4 = OutlierBlocks.errorOf(new RtnWeightActivation(4, ActivationQuantizer.asymmetric(4)), 9, xs, TOKENS);
        double dq4 = OutlierBlocks.errorOf(new DuQuant(DuQuant.Config.defaults()), 9, xs, TOKENS);
        double rtn8 = OutlierBlocks.errorOf(new RtnWeightActivation(8, ActivationQuantizer.asymmetric(8)), 9, xs, TOKENS);
        double dq8 = OutlierBlocks.errorOf(new DuQuant(DuQuant.Config.of(8, 8)), 9, xs, TOKENS);
        System.out.printf("block error W4A4: RTN %.4f DuQuant %.4f; W8A8: RTN %.4f DuQuant %.4f%n", rtn4, dq4, rtn8, dq8);
        assertThat(dq4).isLessThan(0.65 * rtn4);
        assertThat(dq8).isLessThan(0.05);
    }

    @Test
    void quantizedBlockRunsOnIntegerKernelsWithTheOnlineTransform() {
        List<float[]> xs = OutlierBlocks.inputs(2, 16, 4);
        SyntheticBlock b = OutlierBlocks.block(22);
        BlockReport report = new DuQuant(DuQuant.Config.defaults().withRotationSteps(16))
                .quantizeBlock(b, xs, 16, ProgressListener.NONE);
        assertThat(report.layers()).hasSize(7);
        assertThat(report.layers()).allSatisfy(l -> assertThat(l.loss()).isFinite());
        for (LinearRole role : LinearRole.values()) {
            assertThat(b.linear(role)).isInstanceOf(ActivationQuantizedLinear.class);
            assertThat(b.linear(role).format()).contains("duquant");
        }
    }
}
