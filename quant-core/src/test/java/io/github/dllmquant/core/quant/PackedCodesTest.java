package io.github.dllmquant.core.quant;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PackedCodesTest {

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void handPackedLayouts() {
        assertThat(PackedCodes.pack(b(1, 2, 3, 15, 0), 4)).containsExactly(b(0x21, 0xF3, 0x00));
        assertThat(PackedCodes.pack(b(1, 2, 3, 0, 3), 2)).containsExactly(b(0b00111001, 0b11));
        // 3-bit: c0=1 c1=2 c2=7 c3=5 → bits 001 010 111 101 → byte0 = 1 | 2<<3 | (7&3)<<6 = 0xD1, byte1 = 7>>2 | 5<<1 = 0x0B
        assertThat(PackedCodes.pack(b(1, 2, 7, 5), 3)).containsExactly(b(0xD1, 0x0B));
        assertThat(PackedCodes.pack(b(200, 7), 8)).containsExactly(b(200, 7));
        // 5-bit: 31, 1 → 11111 | 00001 << 5 → 0x3F, 0x00
        assertThat(PackedCodes.pack(b(31, 1), 5)).containsExactly(b(0x3F, 0x00));
        assertThat(PackedCodes.packedSize(5, 3)).isEqualTo(2);
        assertThat(PackedCodes.packedSize(128, 4)).isEqualTo(64);
    }

    @Test
    void everyWidthRoundTrips() {
        Random rnd = new Random(1);
        for (int bits = 2; bits <= 8; bits++) {
            for (int n : new int[]{0, 1, 7, 8, 9, 31, 32, 33, 1000}) {
                byte[] codes = new byte[n];
                for (int i = 0; i < n; i++) {
                    codes[i] = (byte) rnd.nextInt(1 << bits);
                }
                byte[] packed = PackedCodes.pack(codes, bits);
                assertThat(packed).hasSize((n * bits + 7) / 8);
                assertThat(PackedCodes.unpack(packed, bits, n)).as("bits=" + bits + " n=" + n).containsExactly(codes);
            }
        }
    }

    @Test
    void rejectsCodesThatDoNotFitAndShortInput() {
        assertThatThrownBy(() -> PackedCodes.pack(b(3, 4), 2)).hasMessageContaining("code 4 at index 1 does not fit 2 bits");
        assertThatThrownBy(() -> PackedCodes.pack(b(1), 9)).hasMessageContaining("2..8");
        assertThatThrownBy(() -> PackedCodes.unpack(new byte[1], 4, 3)).hasMessageContaining("need 2 bytes");
    }
}
