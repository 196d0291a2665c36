package io.github.dllmquant.core.kernels.integer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link IntegerKernels} implementation once, at class initialisation: the Panama one
 * when the {@code jdk.incubator.vector} module is present, else the scalar one. The system property
 * {@value #PROPERTY} ({@code scalar} or {@code panama}) overrides the choice.
 */
public final class IntegerKernelsProvider {

    /** System property forcing the implementation: {@code scalar} or {@code panama}. */
    public static final String PROPERTY = "dllmq.kernels";

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
        String requested = System.getProperty(PROPERTY, "").trim();
        if (requested.equals("scalar")) {
            LOG.info("integer kernels: scalar (forced by -D{})", PROPERTY);
            return ScalarIntegerKernels.INSTANCE;
        }
        if (!requested.isEmpty() && !requested.equals("panama")) {
            throw new IllegalStateException("-D" + PROPERTY + " must be 'scalar' or 'panama', got '" + requested + "'");
        }
        // The Panama twin is not written yet: everything runs on the scalar specification.
        LOG.info("integer kernels: scalar");
        return ScalarIntegerKernels.INSTANCE;
    }
}
