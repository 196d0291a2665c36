package io.github.dllmquant.examples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class InspectCommandTest {

    @Test
    void listsTheTensorsOfTheBundledModel() {
        DllmqTest.Run r = DllmqTest.run("inspect", "models/tiny-llada");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("model.transformer.blocks.0.q_proj.weight", "BF16", "[256, 256]",
                "model.transformer.ff_out.weight");
    }

    @Test
    void aTruncatedFileIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(Path.of("models/tiny-dream/model.safetensors"));
        Path broken = dir.resolve("broken.safetensors");
        Files.write(broken, Arrays.copyOf(whole, whole.length / 2));
        DllmqTest.Run r = DllmqTest.run("inspect", broken.toString());
        assertThat(r.code()).isEqualTo(Dllmq.EXIT_USAGE);
        assertThat(r.err().strip()).startsWith("dllmq inspect: ").contains("broken.safetensors")
                .doesNotContain("\n").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }
}
