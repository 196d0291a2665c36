package io.github.dllmquant.runtime.robust;

import io.github.dllmquant.core.io.AtomicFiles;
import io.github.dllmquant.runtime.model.DiffusionLm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kills (SIGKILL) a child JVM while it saves a quantized tiny-llada folder, to a new path and over an
 * existing folder, at random points of the save, and checks what is left: the target is a complete
 * folder that loads to one of the two versions' logits, or it does not exist (a first save not finished,
 * or, where folders are not exchanged atomically, the window between the two renames of a replacement,
 * where the previous version waits under its {@code .old-} name and load names it); every other entry is a hidden temporary of that target; the next
 * save removes them.
 */
class FolderCrashSafetyTest {

    private static final int[] IDS = {1018, 54, 54, 45, 51, 61, 1023, 1023, 1023, 7, 300};
    private static final int ROUNDS = 6;

    @TempDir
    Path work;

    @Test
    void killedSavesLeaveTheOldFolderTheNewOneOrNoneNeverAPart() throws Exception {
        // the two versions the child alternates, as saved and reloaded folders
        Path refs = Files.createDirectories(work.resolve("refs"));
        List<float[]> expected = new ArrayList<>();
        List<String> completeFiles = null;
        for (int v = 0; v < 2; v++) {
            try (DiffusionLm model = SavingChildMain.version(v)) {
                model.save(refs.resolve("v" + v));
            }
            try (DiffusionLm again = DiffusionLm.load(refs.resolve("v" + v))) {
                expected.add(again.logits(IDS));
            }
            List<String> files = fileNames(refs.resolve("v" + v));
            assertThat(completeFiles == null || completeFiles.equals(files)).as("same file set %s", files).isTrue();
            completeFiles = files;
        }
        assertThat(completeFiles).contains("config.json", "model.safetensors", "quantization_config.json",
                "tokenizer.json");
        assertThat(maxAbsDiff(expected.get(0), expected.get(1))).as("versions differ").isGreaterThan(1e-2);

        Path models = Files.createDirectories(work.resolve("models"));
        Path target = models.resolve("tiny-llada-q");
        Random random = new Random(42);
        TreeMap<String, Integer> outcomes = new TreeMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            if (round % 3 == 0) {
                AtomicFiles.deleteRecursively(target); // this round saves to a new path
            }
            boolean existedBefore = Files.exists(target);
            int completed = runAndKill(target, round, random);
            String outcome;
            List<Path> leftovers = AtomicFiles.leftovers(target);
            try (Stream<Path> entries = Files.list(models)) {
                List<Path> unexpected = entries.filter(p -> !p.equals(target) && !leftovers.contains(p)).toList();
                assertThat(unexpected).as("round %d: entries other than the target and its temporaries", round).isEmpty();
            }
            if (Files.exists(target)) {
                assertThat(fileNames(target)).as("round %d: files of the target", round).isEqualTo(completeFiles);
                try (DiffusionLm loaded = DiffusionLm.load(target)) {
                    float[] logits = loaded.logits(IDS);
                    double d0 = maxAbsDiff(logits, expected.get(0));
                    double d1 = maxAbsDiff(logits, expected.get(1));
                    assertThat(Math.min(d0, d1)).as("round %d: logits of one whole version", round)
                            .isLessThanOrEqualTo(1e-4);
                    outcome = "complete v" + (d0 <= d1 ? 0 : 1);
                }
            } else if (AtomicFiles.interruptedReplacement(target).isPresent()) {
                // killed between the two renames: the previous version waits under its .old- name, complete
                assertThat(AtomicFiles.replacesFoldersInOneStep()).as("round %d: a rename window although the"
                        + " folder is replaced by one atomic exchange", round).isFalse();
                Path previous = AtomicFiles.interruptedReplacement(target).orElseThrow();
                assertThat(fileNames(previous)).isEqualTo(completeFiles);
                assertThatThrownBy(() -> DiffusionLm.load(target)).isInstanceOf(NoSuchFileException.class)
                        .hasMessageContaining(previous.toString());
                outcome = "between renames";
            } else {
                assertThat(existedBefore || completed > 0).as("round %d: a complete folder vanished", round).isFalse();
                assertThatThrownBy(() -> DiffusionLm.load(target)).isInstanceOf(NoSuchFileException.class);
                outcome = "no folder yet";
            }
            outcomes.merge(outcome + (leftovers.isEmpty() ? "" : " + temporaries"), 1, Integer::sum);
        }
        System.out.println("FolderCrashSafetyTest outcomes over " + ROUNDS + " kills: " + outcomes);

        // the next save cleans up every temporary of the killed children
        try (DiffusionLm model = SavingChildMain.version(0)) {
            model.save(target);
        }
        try (Stream<Path> entries = Files.list(models)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("tiny-llada-q");
        }
        try (DiffusionLm loaded = DiffusionLm.load(target)) {
            assertThat(maxAbsDiff(loaded.logits(IDS), expected.get(0))).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void aSavedFolderGetsTheDefaultPermissionsOfNewFiles() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX");
        var normalFile = Files.getPosixFilePermissions(Files.createFile(work.resolve("plain")));
        var normalDir = Files.getPosixFilePermissions(Files.createDirectory(work.resolve("plain-dir")));
        // a source folder whose tokenizer is private (0600): the saved copy still gets the defaults
        Path source = Files.createDirectories(work.resolve("source"));
        for (String name : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json")) {
            Files.copy(SavingChildMain.TINY_LLADA.resolve(name), source.resolve(name));
        }
        Files.setPosixFilePermissions(source.resolve("tokenizer.json"), java.nio.file.attribute.PosixFilePermissions
                .fromString("rw-------"));
        Path out = work.resolve("saved");
        try (DiffusionLm model = DiffusionLm.load(source)) {
            model.save(out);
            model.save(out); // the replacing save too
        }
        assertThat(fileNames(out)).contains("tokenizer.json", "model.safetensors", "config.json");
        assertThat(Files.getPosixFilePermissions(out)).isEqualTo(normalDir);
        for (String name : fileNames(out)) {
            assertThat(Files.getPosixFilePermissions(out.resolve(name))).as(name).isEqualTo(normalFile);
        }
    }

    /**
     * Starts the child, waits for {@code round % 3} completed saves (0: kill during its first save), then kills
     * it after a random delay within one save's duration (as the child measured it; 150 ms before the first).
     *
     * @return the number of saves the child reported complete before the kill
     */
    private int runAndKill(Path target, int round, Random random) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                SavingChildMain.class.getName(), target.toString()))
                .redirectError(work.resolve("child-" + round + ".err").toFile()).start();
        int completed = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).as("child start (stderr in child-%d.err)", round).isEqualTo("ready");
            long saveMillis = 150; // until the child reports one
            for (int i = 0; i < round % 3; i++) {
                String line = out.readLine();
                assertThat(line).as("child output").startsWith("saved ");
                saveMillis = Long.parseLong(line.split(" ")[2]);
                completed++;
            }
            // a kill point anywhere in the next save
            Thread.sleep(random.nextLong(saveMillis + 1));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            while (out.ready()) {
                String line = out.readLine();
                if (line != null && line.startsWith("saved ")) {
                    completed++;
                }
            }
        }
        return completed;
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
