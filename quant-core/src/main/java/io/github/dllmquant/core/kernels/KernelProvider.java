package io.github.dllmquant.core.kernels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks, once per JVM, whether the kernel families run their scalar specification or their Panama
 * (Vector API) twin, and logs the choice and the reason.
 *
 * <p>System property {@value #PROPERTY}: {@code scalar} or {@code panama}. Default: {@code panama} when
 * the {@code jdk.incubator.vector} module is present (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}), otherwise {@code scalar} with a warning. Forcing
 * {@code panama} without the module is an error.
 */
public final class KernelProvider {

    /** System property selecting the implementation: {@code scalar} or {@code panama}. */
    public static final String PROPERTY = "dllmq.kernels";

    private KernelProvider() {
    }

    /** Whether the Panama implementations are in use. */
    public static boolean panama() {
        return Holder.PANAMA;
    }

    /** The element-wise kernels in use. */
    public static ElementwiseKernels elementwise() {
        return Holder.ELEMENTWISE;
    }

    /** The F32 / BF16 / weight-only GEMM kernels in use. */
    public static GemmKernels gemm() {
        return Holder.GEMM;
    }

    /** A one-line description of the chosen kernels, for logs and benchmark headers. */
    public static String describe() {
        return Holder.PANAMA ? "panama, " + VectorWidth.BITS + "-bit vectors" : "scalar";
    }

    /** Lazily initialised so that merely loading the facade touches no incubator class. */
    private static final class Holder {
        static final boolean PANAMA = lookup();
        static final ElementwiseKernels ELEMENTWISE = PANAMA ? PanamaElementwiseKernels.INSTANCE : ScalarElementwiseKernels.INSTANCE;
        static final GemmKernels GEMM = PANAMA ? PanamaGemmKernels.INSTANCE : ScalarGemmKernels.INSTANCE;

        private static boolean lookup() {
            Logger log = LoggerFactory.getLogger(KernelProvider.class);
            boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
            String requested = System.getProperty(PROPERTY);
            if (requested == null || requested.isBlank()) {
                if (!vectorModule) {
                    log.warn("jdk.incubator.vector is not present (start the JVM with --add-modules jdk.incubator.vector): "
                            + "using the scalar kernels, which are many times slower");
                    return false;
                }
                log.info("kernels: panama, {}-bit vectors", VectorWidth.BITS);
                return true;
            }
            switch (requested.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "scalar" -> {
                    log.info("kernels: scalar (forced by -D{})", PROPERTY);
                    return false;
                }
                case "panama" -> {
                    if (!vectorModule) {
                        throw new IllegalStateException("-D" + PROPERTY + "=panama needs the JVM flag --add-modules jdk.incubator.vector");
                    }
                    log.info("kernels: panama, {}-bit vectors (forced by -D{})", VectorWidth.BITS, PROPERTY);
                    return true;
                }
                default -> throw new IllegalStateException("-D" + PROPERTY + " must be 'scalar' or 'panama', got '" + requested + "'");
            }
        }
    }
}
