package io.github.dllmquant.core.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a child process while it rewrites a file and checks that the file left behind is always one
 * complete version, never a partial one.
 */
class CrashSafetyTest {

    @TempDir
    Path dir;

    @Test
    void killedWriterLeavesACompleteFile() throws Exception {
        for (int round = 0; round < 2; round++) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process child = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                    CrashingWriterMain.class.getName(), dir.toString())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                // let it complete a few writes, then kill it (SIGKILL) at a moment that differs per round
                int writes = 3 + round * 2;
                for (int i = 0; i < writes; i++) {
                    String line = out.readLine();
                    assertThat(line).as("child output").startsWith("wrote");
                }
                Thread.sleep(7 + 13L * round);
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            try (TensorSource src = SafeTensors.openModel(dir)) {
                float version = Float.parseFloat(src.metadata().get("version"));
                float[] w = src.tensor("w").toFloatArray();
                float[] b = src.tensor("b").toFloatArray();
                assertThat(w).hasSize(1 << 20).containsOnly(version);
                assertThat(b).hasSize(1 << 20).containsOnly(version);
            }
        }
    }
}
