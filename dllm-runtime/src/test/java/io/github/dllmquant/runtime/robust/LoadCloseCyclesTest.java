package io.github.dllmquant.runtime.robust;

import io.github.dllmquant.runtime.api.DiffusionModel;
import io.github.dllmquant.runtime.model.DiffusionLm;
import io.github.dllmquant.runtime.model.LoadOptions;
import io.github.dllmquant.runtime.model.WeightStorage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * 1,000 load/close cycles per way of loading do not leak: open file descriptors (Linux /proc/self/fd), file
 * mappings (the "mapped" buffer pool: count and capacity), native memory of packed weights (the "direct"
 * pool, freed when the GC collects their automatic arenas) and heap (after GC) return to their baseline.
 */
class LoadCloseCyclesTest {

    private static final int CYCLES = Integer.getInteger("dllmq.loadCycles", 1000);
    private static final Path PROC_FD = Path.of("/proc/self/fd");

    @TempDir
    static Path work;
    private static Path quantized;

    @BeforeAll
    static void saveQuantizedFolder() throws IOException {
        quantized = work.resolve("tiny-llada-w4g128");
        try (DiffusionLm model = SavingChildMain.version(0)) {
            model.save(quantized);
        }
    }

    @Test
    void mappedBf16Loads() throws IOException {
        LoadOptions mapped = LoadOptions.defaults().withStorage(WeightStorage.BF16_MAPPED);
        long before = pool("mapped").getCount();
        try (DiffusionLm open = DiffusionLm.load(SavingChildMain.TINY_LLADA, mapped)) {
            // the probe sees the mapping (else this test could not fail)
            assertThat(pool("mapped").getCount()).isGreaterThan(before);
            assertThat(open.logits(new int[] {1, 2, 3})).isNotEmpty();
        }
        cycles("DiffusionLm.load BF16_MAPPED", () -> DiffusionLm.load(SavingChildMain.TINY_LLADA, mapped).close());
    }

    @Test
    void f32Loads() throws IOException {
        probeSeesPackedWeights();
        cycles("DiffusionLm.load F32", () -> DiffusionLm.load(SavingChildMain.TINY_LLADA).close());
    }

    @Test
    void quantizedFolderLoads() throws IOException {
        cycles("DiffusionLm.load W4A16 folder", () -> DiffusionLm.load(quantized).close());
    }

    @Test
    void fullModelLoadsWithTokenizer() throws IOException {
        cycles("DiffusionModel.load", () -> DiffusionModel.load(SavingChildMain.TINY_LLADA).close());
    }

    /** The direct pool sees the packed F32 weights (native memory of automatic arenas), else the test could not fail. */
    private static void probeSeesPackedWeights() throws IOException {
        long before = pool("direct").getTotalCapacity();
        try (DiffusionLm open = DiffusionLm.load(SavingChildMain.TINY_LLADA)) {
            assertThat(pool("direct").getTotalCapacity() - before).isGreaterThan(open.parameterBytes() / 2);
        }
    }

    private interface Cycle {
        void run() throws IOException;
    }

    private static void cycles(String what, Cycle cycle) throws IOException {
        assumeTrue(Files.isDirectory(PROC_FD), "Linux /proc/self/fd");
        cycle.run(); // loads classes, opens the jars they come from
        for (int i = 0; i < 3; i++) {
            settle(Long.MAX_VALUE / 2, 0); // one collection and a pause for the cleaners
        }
        long fds = openFds();
        BufferPoolMXBean mapped = pool("mapped");
        BufferPoolMXBean direct = pool("direct");
        long mappedCount = mapped.getCount();
        long mappedBytes = mapped.getTotalCapacity();
        long directBytes = direct.getTotalCapacity();
        long heap = heapUsed();
        long t0 = System.nanoTime();
        for (int i = 0; i < CYCLES; i++) {
            cycle.run();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long fdsAfter = openFds();
        long directAfter = settle(directBytes, 1 << 20);
        long heapAfter = heapUsed();
        System.out.printf(Locale.ROOT, "%s: %d cycles in %.1f s; fds %d -> %d, mapped %d (%d B) -> %d (%d B),"
                        + " direct %d -> %d KB, heap %d -> %d MB%n", what, CYCLES, seconds, fds, fdsAfter, mappedCount,
                mappedBytes, mapped.getCount(), mapped.getTotalCapacity(), directBytes >> 10, directAfter >> 10,
                heap >> 20, heapAfter >> 20);
        // a leak of one descriptor or mapping per cycle would show as +1000; a few may come and go with the JVM
        assertThat(fdsAfter).as("open file descriptors").isLessThanOrEqualTo(fds + 3);
        assertThat(mapped.getCount()).as("mapped files").isEqualTo(mappedCount);
        assertThat(mapped.getTotalCapacity()).as("mapped bytes").isEqualTo(mappedBytes);
        assertThat(directAfter).as("native bytes of packed weights").isLessThanOrEqualTo(directBytes + (1 << 20));
        assertThat(heapAfter).as("heap after GC").isLessThanOrEqualTo(heap + (32 << 20));
    }

    /** Collects until the direct pool is back within {@code slack} of {@code target} (its cleaner runs after GC), at most 10 s. */
    private static long settle(long target, long slack) {
        BufferPoolMXBean direct = pool("direct");
        long deadline = System.nanoTime() + 10_000_000_000L;
        do {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (direct.getTotalCapacity() > target + slack && System.nanoTime() < deadline);
        return direct.getTotalCapacity();
    }

    private static long heapUsed() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(PROC_FD)) {
            return fds.count() - 1; // the listing's own descriptor
        }
    }

    private static BufferPoolMXBean pool(String name) {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals(name)).findFirst().orElseThrow();
    }
}
