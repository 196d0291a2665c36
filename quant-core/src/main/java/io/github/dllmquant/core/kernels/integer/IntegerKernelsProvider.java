package io.github.dllmquant.core.kernels.integer;

import io.github.dllmquant.core.kernels.KernelProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link IntegerKernels} implementation once, at class initialisation, following the
 * decision {@link KernelProvider} made for every kernel family ({@code -Ddllmq.kernels=scalar|panama},
 * default Panama when {@code jdk.incubator.vector} is present), and logs it.
 */
public final class IntegerKernelsProvider {

    private static final Logger LOG = LoggerFactory.getLogger(IntegerKernelsProvider.class);

    private IntegerKernelsProvider() {
    }

    /** The implementation chosen at startup. */
    public static IntegerKernels get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final IntegerKernels INSTANCE = lookup();
    }

    private static IntegerKernels lookup() {
        // one decision for every kernel family: -Ddllmq.kernels and the vector module, see KernelProvider
        if (!KernelProvider.panama()) {
            LOG.info("integer kernels: scalar");
            return ScalarIntegerKernels.INSTANCE;
        }
        IntegerKernels panama = PanamaIntegerKernels.INSTANCE;
        LOG.info("integer kernels: {}", panama.name());
        return panama;
    }
}
