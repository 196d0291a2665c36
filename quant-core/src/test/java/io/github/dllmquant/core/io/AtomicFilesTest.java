package io.github.dllmquant.core.io;

import io.github.dllmquant.core.safetensors.SafeTensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Permissions, stale-temporary clean-up and interrupted-replacement recovery of {@link AtomicFiles}. */
class AtomicFilesTest {

    /** A PID no process has (Linux PIDs stay below 2^22): temporaries named with it belong to a dead writer. */
    private static final long DEAD_PID = Long.MAX_VALUE / 2;

    @TempDir
    Path dir;

    @Test
    void writtenFilesAndFoldersGetTheDefaultPermissionsNotThoseOfATempFile() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        // what a plain new file / folder gets here: 0666 / 0777 masked by this process's umask
        Set<PosixFilePermission> normalFile = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
        Set<PosixFilePermission> normalDir = Files.getPosixFilePermissions(Files.createDirectory(dir.resolve("plain-dir")));
        Set<PosixFilePermission> tempFile = Files.getPosixFilePermissions(Files.createTempFile(dir, "t", ".tmp"));
        assertThat(tempFile).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assumeTrue(!normalFile.equals(tempFile), "umask 077 makes every file 0600: nothing to distinguish");

        Path text = dir.resolve("study.md");
        AtomicFiles.writeString(text, "# study\n");
        Path model = dir.resolve("model.safetensors");
        new SafeTensorsWriter().addF32("w", new long[] {2}, new float[] {1, 2}).write(model);
        Path folder = dir.resolve("folder");
        AtomicFiles.replaceDirectory(folder, d -> Files.writeString(d.resolve("config.json"), "{}"));
        assertThat(Files.getPosixFilePermissions(text)).isEqualTo(normalFile);
        assertThat(Files.getPosixFilePermissions(model)).isEqualTo(normalFile);
        assertThat(Files.getPosixFilePermissions(folder)).isEqualTo(normalDir);
        assertThat(Files.getPosixFilePermissions(folder.resolve("config.json"))).isEqualTo(normalFile);
        // rewriting keeps them (the new content arrives in a new file)
        AtomicFiles.writeString(text, "# study, again\n");
        assertThat(Files.getPosixFilePermissions(text)).isEqualTo(normalFile);
        assertThat(Files.readString(text)).isEqualTo("# study, again\n");
    }

    @Test
    void temporariesOfDeadWritersAreRemovedAndThoseOfLiveOnesKept() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Path deadTmp = Files.writeString(dir.resolve(".model.safetensors.tmp-" + DEAD_PID + "-abc"), "partial");
        Path liveTmp = Files.writeString(dir.resolve(".model.safetensors.tmp-" + ProcessHandle.current().pid() + "-def"),
                "being written by this process");
        Path unrelated = Files.writeString(dir.resolve(".other.safetensors.tmp-" + DEAD_PID + "-abc"), "not ours");
        assertThat(AtomicFiles.leftovers(target)).containsExactlyInAnyOrder(deadTmp, liveTmp);
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3);
        assertThat(deadTmp).doesNotExist();
        assertThat(liveTmp).exists();
        assertThat(unrelated).exists();
    }

    @Test
    void aFailedWriteLeavesTheTargetAndNoTemporary() throws IOException {
        Path target = dir.resolve("a.txt");
        AtomicFiles.writeString(target, "old");
        assertThatThrownBy(() -> AtomicFiles.write(target, ch -> {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'n', 'e'}));
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        Path folder = dir.resolve("folder");
        AtomicFiles.replaceDirectory(folder, d -> Files.writeString(d.resolve("x"), "old"));
        assertThatThrownBy(() -> AtomicFiles.replaceDirectory(folder, d -> {
            Files.writeString(d.resolve("x"), "new");
            throw new IllegalArgumentException("layer 3 cannot be saved");
        })).hasMessage("layer 3 cannot be saved");
        assertThat(Files.readString(folder.resolve("x"))).isEqualTo("old");
        try (Stream<Path> entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a.txt", "folder");
        }
    }

    @Test
    void onLinuxWithNativeAccessFoldersAreExchangedInOneStep() throws IOException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "Linux renameat2");
        // the build runs tests with --enable-native-access=ALL-UNNAMED, as the launchers run the SDK
        assertThat(AtomicFiles.replacesFoldersInOneStep()).isTrue();
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Files.writeString(a.resolve("x"), "from a");
        Files.writeString(b.resolve("y"), "from b");
        assertThat(DirectoryExchange.exchange(a, b)).isTrue();
        assertThat(Files.readString(a.resolve("y"))).isEqualTo("from b");
        assertThat(Files.readString(b.resolve("x"))).isEqualTo("from a");
        assertThat(a.resolve("x")).doesNotExist();
        // a failing exchange changes nothing and reports false, so the caller can fall back
        assertThat(DirectoryExchange.exchange(a, dir.resolve("missing"))).isFalse();
        assertThat(Files.readString(a.resolve("y"))).isEqualTo("from b");
        // replacing leaves no .old- folder at any moment; afterwards only the target is left
        AtomicFiles.replaceDirectory(b, d -> Files.writeString(d.resolve("z"), "new"));
        try (Stream<Path> entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a", "b");
        }
        assertThat(Files.readString(b.resolve("z"))).isEqualTo("new");
        assertThat(b.resolve("x")).doesNotExist();
    }

    @Test
    void aReplacementInterruptedBetweenItsRenamesIsNamedThenPutBackByTheNextOne() throws IOException {
        Path target = dir.resolve("model");
        AtomicFiles.replaceDirectory(target, d -> Files.writeString(d.resolve("config.json"), "v1"));
        assertThat(AtomicFiles.interruptedReplacement(target)).isEmpty();
        // the state a kill between the two renames leaves: old version aside, new one still a temporary
        Path previous = dir.resolve(".model.old-" + DEAD_PID + "-x1");
        Files.move(target, previous);
        Path unfinished = Files.createDirectory(dir.resolve(".model.tmp-" + DEAD_PID + "-x2"));
        Files.writeString(unfinished.resolve("config.json"), "v2");

        assertThat(AtomicFiles.interruptedReplacement(target)).contains(previous);
        assertThatThrownBy(() -> AtomicFiles.requireExists(target)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(target.toString()).hasMessageContaining("interrupted")
                .hasMessageContaining(previous.toString());
        assertThatThrownBy(() -> AtomicFiles.requireExists(dir.resolve("elsewhere")))
                .isInstanceOf(NoSuchFileException.class).hasMessageEndingWith("does not exist");

        // the next replacement puts v1 back (so a failure now would still leave v1), then replaces it
        List<String> seenByBody = new java.util.ArrayList<>();
        AtomicFiles.replaceDirectory(target, d -> {
            seenByBody.add(Files.readString(target.resolve("config.json")));
            Files.writeString(d.resolve("config.json"), "v3");
        });
        assertThat(seenByBody).containsExactly("v1");
        assertThat(Files.readString(target.resolve("config.json"))).isEqualTo("v3");
        try (Stream<Path> entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("model");
        }
    }
}
