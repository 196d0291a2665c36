package io.github.dllmquant.core.io;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Swaps two paths in one atomic step with Linux's {@code renameat2(..., RENAME_EXCHANGE)}, so replacing a
 * folder needs no moment without a folder under the target's name. Used only where it exists (Linux with
 * glibc 2.28+ or musl 1.2.5+) and where this code may call native functions (the JVM runs with
 * {@code --enable-native-access} for it, as the SDK's launchers do); elsewhere {@link #exchange} returns
 * false and the caller falls back to two renames. Without native access no restricted method is called, so
 * no warning is printed.
 */
final class DirectoryExchange {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryExchange.class);
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 1 << 1;
    private static final MethodHandle RENAMEAT2 = lookup();

    private DirectoryExchange() {
    }

    /** Whether {@link #exchange} can work here (it may still fail on a file system without the flag). */
    static boolean available() {
        return RENAMEAT2 != null;
    }

    /**
     * Atomically swaps {@code a} and {@code b} (both must exist, on one file system).
     *
     * @return true if they were swapped; false if the call is unavailable or failed (nothing changed then)
     */
    static boolean exchange(Path a, Path b) {
        if (RENAMEAT2 == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) RENAMEAT2.invokeExact(AT_FDCWD, arena.allocateFrom(a.toString()), AT_FDCWD,
                    arena.allocateFrom(b.toString()), RENAME_EXCHANGE);
            return rc == 0;
        } catch (Throwable e) {
            LOG.debug("renameat2 failed; falling back to two renames", e);
            return false;
        }
    }

    private static MethodHandle lookup() {
        if (!System.getProperty("os.name", "").startsWith("Linux")
                || !DirectoryExchange.class.getModule().isNativeAccessEnabled()) {
            LOG.debug("folder replacement by two renames (no Linux renameat2 or no native access)");
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle h = linker.defaultLookup().find("renameat2").map(address -> linker.downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT))).orElse(null);
            LOG.debug("folder replacement by {}", h == null ? "two renames (no renameat2 in the C library)"
                    : "renameat2(RENAME_EXCHANGE)");
            return h;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("renameat2 unavailable", e);
            return null;
        }
    }
}
