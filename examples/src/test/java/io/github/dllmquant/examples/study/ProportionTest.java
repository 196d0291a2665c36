package io.github.dllmquant.examples.study;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ProportionTest {

    @Test
    void wilsonIntervalMatchesTheClosedForm() {
        // reference values computed independently from the Wilson score formula with z = 1.959964
        Proportion math = new Proportion(70, 500);
        assertThat(math.low()).isCloseTo(0.112322660, within(1e-9));
        assertThat(math.high()).isCloseTo(0.173166865, within(1e-9));
        Proportion code = new Proportion(215, 500);
        assertThat(code.low()).isCloseTo(0.387301648, within(1e-9));
        assertThat(code.high()).isCloseTo(0.473765760, within(1e-9));
    }

    @Test
    void wilsonIntervalStaysInsideZeroOneAtTheEdges() {
        assertThat(new Proportion(0, 10).low()).isCloseTo(0.0, within(1e-12));
        assertThat(new Proportion(0, 10).high()).isCloseTo(0.277532800, within(1e-9));
        assertThat(new Proportion(10, 10).low()).isCloseTo(0.722467200, within(1e-9));
    }

    @Test
    void clearlyAboveNeedsNonOverlappingIntervals() {
        assertThat(new Proportion(215, 500).clearlyAbove(new Proportion(70, 500))).isTrue();
        assertThat(new Proportion(75, 500).clearlyAbove(new Proportion(70, 500))).isFalse();
    }

    @Test
    void printsRateAndInterval() {
        assertThat(new Proportion(215, 500)).hasToString("43.0% [38.7, 47.4]");
    }
}
