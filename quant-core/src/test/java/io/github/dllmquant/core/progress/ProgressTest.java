package io.github.dllmquant.core.progress;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProgressTest {

    @Test
    void fractionIsDoneOverTotal() {
        assertThat(new Progress("calibrate", 3, 12).fraction()).isEqualTo(0.25);
    }

    @Test
    void rejectsDoneBeyondTotal() {
        assertThatThrownBy(() -> new Progress("x", 5, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("done=5");
    }
}
