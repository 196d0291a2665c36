package io.github.dllmquant.core.io;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Crash-safe writes of files and whole folders: the content goes to a temporary sibling of the target,
 * is forced to disk, and is renamed onto the target, so a reader (or a process killed mid-write) sees
 * the old content or the new one, never a part.
 *
 * <p>Temporaries are named {@code .TARGET.tmp-PID-RANDOM} (and {@code .TARGET.old-PID-RANDOM} for the
 * previous version of a replaced folder): hidden, tied to the target's name and to the process that made
 * them, so the next write to the same target removes those of processes no longer alive. They are created
 * without explicit permissions, so the file system's defaults apply (0666 and 0777 masked by the umask:
 * rw-r--r-- and rwxr-xr-x under the usual umask 022) instead of the 0600 of
 * {@link Files#createTempFile}, which would leave a shared model folder unreadable to others.
 *
 * <p>Replacing an existing folder is one atomic exchange on Linux when native access is enabled
 * ({@code renameat2(RENAME_EXCHANGE)}, see {@link #replacesFoldersInOneStep()}). Elsewhere it takes two
 * renames (old folder aside, new folder in): a crash between them leaves no folder under the target's name
 * and the old one under its {@code .old-} name; {@link #replaceDirectory} run again for that target first
 * renames it back, and {@link #interruptedReplacement} names it for error messages.
 */
public final class AtomicFiles {

    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);

    /** Kind of a temporary sibling holding content being written. */
    static final String TMP = "tmp";
    /** Kind of a sibling holding the previous version of a replaced folder. */
    static final String OLD = "old";

    /** Writes a file's content into an open channel (positioned at 0, empty). */
    @FunctionalInterface
    public interface ChannelWriter {
        /** Writes the content. */
        void write(FileChannel channel) throws IOException;
    }

    /** Writes a folder's files into a fresh, empty folder. */
    @FunctionalInterface
    public interface FolderWriter {
        /** Writes the content of the folder {@code dir}. */
        void write(Path dir) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes {@code target} atomically: a temporary sibling gets the content from {@code body}, is forced to
     * disk and renamed over {@code target} (which may exist). On failure the temporary is deleted and
     * {@code target} is untouched.
     *
     * @throws IOException if writing fails, or the file system cannot rename atomically (named in the message)
     */
    public static void write(Path target, ChannelWriter body) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        removeStaleSiblings(abs, TMP);
        Path tmp = createSibling(abs, TMP, false);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                body.write(ch);
                ch.force(true);
            }
            move(tmp, abs, true);
            done = true;
            forceDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes {@code bytes} to {@code target} atomically ({@link #write(Path, ChannelWriter)}). */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        });
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically ({@link #write(Path, ChannelWriter)}). */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes the folder {@code target} atomically: {@code body} fills a fresh temporary sibling folder,
     * every file in it is forced to disk, and the folder is renamed to {@code target}. An existing
     * {@code target} is renamed aside first and deleted once the new folder is in place (see the class
     * comment for the window between the two renames). On failure the temporary folder is deleted and
     * {@code target} is untouched. Leftovers of earlier writes to {@code target} by processes that died
     * are removed first; the previous version left by a crash between the two renames is put back first.
     * Where available the existing folder is exchanged with the new one atomically instead
     * ({@link #replacesFoldersInOneStep()}).
     */
    public static void replaceDirectory(Path target, FolderWriter body) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        recover(abs);
        Path tmp = createSibling(abs, TMP, true);
        try {
            body.write(tmp);
            forceTree(tmp);
        } catch (IOException | RuntimeException | Error e) {
            deleteRecursively(tmp);
            throw e;
        }
        if (!Files.exists(abs)) {
            move(tmp, abs, false);
        } else if (DirectoryExchange.exchange(tmp, abs)) {
            // one atomic step: the target holds the new folder, tmp the old one (a dead writer's temporary
            // if we crash before deleting it)
            forceDirectory(parent);
            deleteRecursively(tmp);
        } else {
            Path old = siblingName(abs, OLD);
            move(abs, old, false);
            // a crash here leaves no target and the old version at `old`: recover() renames it back
            try {
                move(tmp, abs, false);
            } catch (IOException | RuntimeException e) {
                move(old, abs, false);
                deleteRecursively(tmp);
                throw e;
            }
            forceDirectory(parent);
            deleteRecursively(old);
        }
        forceDirectory(parent);
    }

    /**
     * Whether {@link #replaceDirectory} swaps an existing folder for the new one in a single atomic step
     * (Linux {@code renameat2} with native access enabled) rather than by two renames with a short window
     * in between.
     */
    public static boolean replacesFoldersInOneStep() {
        return DirectoryExchange.available();
    }

    /**
     * The previous version of {@code target} left under its {@code .old-} name by a folder replacement
     * that was interrupted between its two renames, if {@code target} does not exist and such a folder
     * does (the newest, when several).
     */
    public static Optional<Path> interruptedReplacement(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            return Optional.empty();
        }
        return siblings(abs, OLD).stream().filter(Files::isDirectory).max(Comparator.comparing(AtomicFiles::modified));
    }

    /**
     * Throws a {@link NoSuchFileException} if {@code target} does not exist; its message names the previous
     * version when an interrupted folder replacement left one ({@link #interruptedReplacement}).
     */
    public static void requireExists(Path target) throws IOException {
        if (Files.exists(target)) {
            return;
        }
        Optional<Path> previous = interruptedReplacement(target);
        throw new NoSuchFileException(target.toString(), null, previous.map(p -> "does not exist: a save to it was"
                + " interrupted between its two renames (or is running now); the previous version is " + p
                + " (the next save to this path puts it back first; or rename it yourself)").orElse("does not exist"));
    }

    /**
     * Temporary and previous-version siblings of {@code target} (see the class comment), including those of
     * live processes.
     */
    public static List<Path> leftovers(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        List<Path> all = new ArrayList<>(siblings(abs, TMP));
        all.addAll(siblings(abs, OLD));
        return all;
    }

    /** Forces a folder's entries (renames, creations) to disk; best effort where folders cannot be opened. */
    public static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not all systems allow opening a folder: the rename is still atomic, only its durability is weaker
        }
    }

    /** Deletes a file or a folder with everything in it; nothing if it does not exist. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ---- internals ---------------------------------------------------------------------------------

    /** Puts back a previous version left by an interrupted replacement; removes leftovers of dead writers. */
    private static void recover(Path abs) throws IOException {
        Optional<Path> previous = interruptedReplacement(abs);
        if (previous.isPresent() && !isLive(previous.get())) {
            LOG.warn("{} was missing after an interrupted save; restoring the previous version from {}", abs,
                    previous.get());
            move(previous.get(), abs, false);
            forceDirectory(abs.getParent());
        }
        removeStaleSiblings(abs, TMP);
        removeStaleSiblings(abs, OLD);
    }

    private static void removeStaleSiblings(Path abs, String kind) throws IOException {
        for (Path p : siblings(abs, kind)) {
            if (!isLive(p)) {
                LOG.info("removing {} left by an interrupted write", p);
                try {
                    deleteRecursively(p);
                } catch (NoSuchFileException e) {
                    // removed concurrently by another writer's clean-up
                }
            }
        }
    }

    private static List<Path> siblings(Path abs, String kind) throws IOException {
        List<Path> found = new ArrayList<>();
        Path parent = abs.getParent();
        if (!Files.isDirectory(parent)) {
            return found;
        }
        String prefix = prefix(abs, kind);
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(parent)) {
            for (Path p : dir) {
                if (p.getFileName().toString().startsWith(prefix)) {
                    found.add(p);
                }
            }
        }
        return found;
    }

    /** Whether the process that created this sibling (PID in its name) is still running. */
    private static boolean isLive(Path sibling) {
        String name = sibling.getFileName().toString();
        int dash = name.lastIndexOf('-');
        int before = name.lastIndexOf('-', dash - 1);
        try {
            long pid = Long.parseLong(name.substring(before + 1, dash));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return false;
        }
    }

    private static String prefix(Path abs, String kind) {
        return "." + abs.getFileName() + "." + kind + "-";
    }

    static Path siblingName(Path abs, String kind) {
        return abs.resolveSibling(prefix(abs, kind) + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
    }

    /** A new empty sibling file or folder, with the file system's default permissions. */
    private static Path createSibling(Path abs, String kind, boolean directory) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = siblingName(abs, kind);
            try {
                return directory ? Files.createDirectory(p) : Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw e;
                }
            }
        }
    }

    private static void move(Path from, Path to, boolean replace) throws IOException {
        try {
            if (replace) {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    /** Forces every regular file under {@code dir}, then every folder, to disk. */
    private static void forceTree(Path dir) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                } else if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    dirs.add(p);
                }
            }
        }
        dirs.forEach(AtomicFiles::forceDirectory);
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }
}
