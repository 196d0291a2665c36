package io.github.dllmquant.examples.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * The system's OpenBLAS {@code cblas_sgemm}, called through the FFM API, as a same-run reference for the
 * benchmark only (the library never loads native code). Absent library: {@link #load()} is empty.
 */
final class OpenBlas {

    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final List<String> CANDIDATES = List.of("libopenblas.so.0", "libopenblas.so",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0", "/usr/lib/aarch64-linux-gnu/libopenblas.so.0");

    private final MethodHandle sgemm;
    private final String description;

    private OpenBlas(MethodHandle sgemm, String description) {
        this.sgemm = sgemm;
        this.description = description;
    }

    /** Loads OpenBLAS if the system has it. */
    static Optional<OpenBlas> load() {
        Linker linker = Linker.nativeLinker();
        for (String name : CANDIDATES) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException notFound) {
                continue;
            }
            Optional<MemorySegment> symbol = lookup.find("cblas_sgemm");
            if (symbol.isEmpty()) {
                continue;
            }
            MethodHandle sgemm = linker.downcallHandle(symbol.get(), FunctionDescriptor.ofVoid(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            return Optional.of(new OpenBlas(sgemm, name + ", " + config(lookup, linker)));
        }
        return Optional.empty();
    }

    private static String config(SymbolLookup lookup, Linker linker) {
        StringBuilder sb = new StringBuilder();
        try {
            Optional<MemorySegment> cfg = lookup.find("openblas_get_config");
            if (cfg.isPresent()) {
                MethodHandle h = linker.downcallHandle(cfg.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
                MemorySegment s = (MemorySegment) h.invokeExact();
                sb.append(s.reinterpret(256).getString(0).trim());
            }
            Optional<MemorySegment> threads = lookup.find("openblas_get_num_threads");
            if (threads.isPresent()) {
                MethodHandle h = linker.downcallHandle(threads.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
                sb.append(", ").append((int) h.invokeExact()).append(" threads");
            }
        } catch (Throwable t) {
            sb.append("(config unavailable: ").append(t).append(')');
        }
        return sb.toString();
    }

    /** Library name, build configuration and thread count. */
    String description() {
        return description;
    }

    /** {@code c [m, n] = a [m, k] · bᵀ} with {@code b [n, k]}, all row-major native F32. */
    void gemmNt(int m, int n, int k, MemorySegment a, MemorySegment b, MemorySegment c) {
        try {
            sgemm.invokeExact(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1f, a, k, b, k, 0f, c, n);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
