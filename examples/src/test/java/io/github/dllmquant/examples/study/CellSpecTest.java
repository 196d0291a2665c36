package io.github.dllmquant.examples.study;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CellSpecTest {

    @Test
    void selectKeepsFpFirstAndTheNamedMethodsAndSchemes() {
        List<CellSpec> grid = CellSpec.fullGrid();
        assertThat(CellSpec.select(grid, Set.of(), Set.of())).isEqualTo(grid);
        List<CellSpec> awq = CellSpec.select(grid, Set.of("awq"), Set.of());
        assertThat(awq).extracting(c -> c.method() + " " + c.scheme() + " " + c.calibrationLabel()).containsExactly(
                "fp fp -", "awq w4a16 none", "awq w4a16 mixed", "awq w3a16 none", "awq w3a16 mixed");
        assertThat(CellSpec.select(grid, Set.of("rtn", "quarot"), Set.of("w8a8"))).extracting(CellSpec::method)
                .containsExactly("fp", "rtn", "quarot");
        assertThatThrownBy(() -> CellSpec.select(grid, Set.of("gtpq"), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("method 'gtpq'");
        assertThatThrownBy(() -> CellSpec.select(grid, Set.of(), Set.of("w2a16")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme 'w2a16'");
    }
}
