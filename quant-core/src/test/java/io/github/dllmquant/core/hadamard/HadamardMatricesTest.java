package io.github.dllmquant.core.hadamard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HadamardMatricesTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 12, 20, 28, 36, 40, 60, 108, 140, 148})
    void everyConstructedMatrixSatisfiesHHtEqualsKI(int k) {
        byte[] h = HadamardMatrices.matrix(k);
        assertThat(h).hasSize(k * k);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                assertThat(h[i * k + j]).as("entry (%d,%d)", i, j).isIn((byte) 1, (byte) -1);
                long dot = 0;
                for (int c = 0; c < k; c++) {
                    dot += h[i * k + c] * h[j * k + c];
                }
                assertThat(dot).as("row %d · row %d of H_%d", i, j, k).isEqualTo(i == j ? k : 0);
            }
        }
    }

    @Test
    void hadKFollowsQuaRotOrder() {
        assertThat(HadamardMatrices.hadK(4096)).isEqualTo(1);
        assertThat(HadamardMatrices.hadK(1)).isEqualTo(1);
        assertThat(HadamardMatrices.hadK(12288)).isEqualTo(12);   // LLaDA-8B d_ff
        assertThat(HadamardMatrices.hadK(768)).isEqualTo(12);     // tiny-llada MLP
        assertThat(HadamardMatrices.hadK(14336)).isEqualTo(28);
        assertThat(HadamardMatrices.hadK(13824)).isEqualTo(108);
        assertThat(HadamardMatrices.hadK(5120)).isEqualTo(40);    // 40 comes before 20 in the order
        assertThat(HadamardMatrices.hadK(18944)).isEqualTo(148);  // Dream-7B d_ff = 148·128
        assertThat(HadamardMatrices.hadK(36 * 64)).isEqualTo(36);
    }

    @Test
    void unsupportedSizesFailWithAClearMessage() {
        assertThatThrownBy(() -> HadamardMatrices.hadK(11008)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("172");
        assertThatThrownBy(() -> HadamardMatrices.hadK(6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("size 6");
        assertThatThrownBy(() -> HadamardMatrices.hadK(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HadamardMatrices.matrix(52)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("52");
    }

    @Test
    void legendreSymbolMatchesSquaresModQ() {
        int q = 19;
        boolean[] square = new boolean[q];
        for (int a = 1; a < q; a++) {
            square[a * a % q] = true;
        }
        for (int a = 1; a < q; a++) {
            assertThat(HadamardMatrices.chi(a, q)).as("chi(%d, %d)", a, q).isEqualTo(square[a] ? 1 : -1);
        }
        assertThat(HadamardMatrices.chi(0, q)).isZero();
    }
}
