package io.github.dllmquant.core.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Bit patterns computed by hand from the IEEE rules (round to nearest, ties to even). */
class HalfFloatTest {

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    private static int bf(float x) {
        return Bf16.fromFloat(x) & 0xFFFF;
    }

    private static int h(float x) {
        return F16.fromFloat(x) & 0xFFFF;
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(bf(1.0f)).isEqualTo(0x3F80);
        assertThat(bf(f(0x3F808000))).as("tie, even below").isEqualTo(0x3F80);
        assertThat(bf(f(0x3F818000))).as("tie, odd below goes up").isEqualTo(0x3F82);
        assertThat(bf(f(0x3F808001))).as("just above the tie").isEqualTo(0x3F81);
        assertThat(bf(f(0x3F807FFF))).as("just below the tie").isEqualTo(0x3F80);
        assertThat(bf(f(0xBF818000))).as("negative tie").isEqualTo(0xBF82);
        assertThat(bf(-0.0f)).isEqualTo(0x8000);
        assertThat(bf((float) Math.PI)).isEqualTo(0x4049);
    }

    @Test
    void bf16SpecialValuesAsPyTorch() {
        assertThat(bf(Float.NaN)).isEqualTo(0x7FC0);
        assertThat(bf(f(0xFFC00001))).as("negative NaN with payload").isEqualTo(0x7FC0);
        assertThat(bf(Float.POSITIVE_INFINITY)).isEqualTo(0x7F80);
        assertThat(bf(Float.NEGATIVE_INFINITY)).isEqualTo(0xFF80);
        assertThat(bf(Float.MAX_VALUE)).as("rounds past the largest bf16").isEqualTo(0x7F80);
        assertThat(bf(f(0x00018000))).as("subnormal tie, odd below").isEqualTo(0x0002);
        assertThat(bf(f(0x00008000))).as("subnormal tie, even below").isEqualTo(0x0000);
        assertThat(bf(Float.MIN_VALUE)).isEqualTo(0x0000);
    }

    @Test
    void bf16ToFloatIsExact() {
        assertThat(Bf16.toFloat((short) 0x4049)).isEqualTo(3.140625f);
        assertThat(Bf16.toFloat((short) 0xFF80)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(Bf16.toFloat((short) 0x0001))).isEqualTo(0x00010000);
        for (int b = 0; b < 0x10000; b++) {
            float x = Bf16.toFloat((short) b);
            if (!Float.isNaN(x)) {
                assertThat(bf(x)).isEqualTo(b);
            }
        }
    }

    @Test
    void f16RoundsToNearestEven() {
        assertThat(h(1.0f)).isEqualTo(0x3C00);
        assertThat(h(-2.0f)).isEqualTo(0xC000);
        assertThat(h(1f / 3f)).isEqualTo(0x3555);
        assertThat(h(f(0x3F801000))).as("1 + 2^-11: tie, even below").isEqualTo(0x3C00);
        assertThat(h(f(0x3F803000))).as("1 + 3·2^-11: tie, odd below").isEqualTo(0x3C02);
        assertThat(h(65504f)).isEqualTo(0x7BFF);
        assertThat(h(65519f)).isEqualTo(0x7BFF);
        assertThat(h(65520f)).as("tie with infinity rounds to even = Inf").isEqualTo(0x7C00);
    }

    @Test
    void f16SubnormalsAndSpecials() {
        assertThat(h(0x1.0p-14f)).isEqualTo(0x0400);
        assertThat(h(0x1.0p-24f)).isEqualTo(0x0001);
        assertThat(h(0x1.0p-25f)).as("half the smallest subnormal: tie to 0").isEqualTo(0x0000);
        assertThat(h(0x1.8p-24f)).as("1.5 smallest subnormals: tie to 2").isEqualTo(0x0002);
        assertThat(h(0x1.0p-26f)).isEqualTo(0x0000);
        assertThat(h(-0x1.0p-24f)).isEqualTo(0x8001);
        assertThat(h(Float.NaN)).isEqualTo(0x7E00);
        assertThat(h(f(0xFFC12345))).isEqualTo(0xFE00);
        assertThat(h(Float.NEGATIVE_INFINITY)).isEqualTo(0xFC00);
    }

    @Test
    void f16ToFloatIsExact() {
        assertThat(F16.toFloat((short) 0x0001)).isEqualTo(0x1.0p-24f);
        assertThat(F16.toFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(F16.toFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(F16.toFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(F16.toFloat((short) 0x7C01))).isEqualTo(0x7FC02000);
        assertThat(Float.floatToRawIntBits(F16.toFloat((short) 0xFE00))).isEqualTo(0xFFC00000);
        for (int b = 0; b < 0x10000; b++) {
            float x = F16.toFloat((short) b);
            if (!Float.isNaN(x)) {
                assertThat(h(x)).isEqualTo(b);
            }
        }
    }
}
