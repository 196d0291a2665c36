package io.github.dllmquant.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the SIMD vector width is chosen; every Panama kernel derives its species from
 * the {@code static final} fields here, so C2 sees constants and intrinsifies every vector operation.
 *
 * <p>The width is read once from the system property {@value #PROPERTY} ({@code 128}, {@code 256} or
 * {@code 512}). Without it the JVM's preferred width is used ({@code SPECIES_PREFERRED}, which already
 * reflects HotSpot's {@code UseAVX} decision), capped at 512 bits. A requested width above what the CPU
 * supports is capped to the preferred width with a warning, because the Vector API would otherwise
 * fall back to slow Java code. The library never sets the property itself: it belongs to the launcher.
 */
public final class VectorWidth {

    /** System property forcing the vector width in bits. */
    public static final String PROPERTY = "dllmq.vectorBits";

    /** The chosen width in bits (128, 256 or 512). */
    public static final int BITS = chooseBits();

    /** Float species of {@link #BITS}. */
    public static final VectorSpecies<Float> FLOAT = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));

    /** Int species of {@link #BITS}: same lane count as {@link #FLOAT}. */
    public static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));

    /** Short species of {@link #BITS}. */
    public static final VectorSpecies<Short> SHORT = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));

    /** Byte species of {@link #BITS}. */
    public static final VectorSpecies<Byte> BYTE = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS));

    /** Floats per {@link #FLOAT} vector. */
    public static final int FLOAT_LANES = FLOAT.length();

    private VectorWidth() {
    }

    private static int chooseBits() {
        Logger log = LoggerFactory.getLogger(VectorWidth.class);
        int preferred = Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
        String requested = System.getProperty(PROPERTY);
        if (requested == null || requested.isBlank()) {
            log.debug("vector width {} bits (preferred species)", preferred);
            return preferred;
        }
        int bits;
        try {
            bits = Integer.parseInt(requested.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("-D" + PROPERTY + " must be 128, 256 or 512, got '" + requested + "'", e);
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalStateException("-D" + PROPERTY + " must be 128, 256 or 512, got " + bits);
        }
        if (bits > preferred) {
            log.warn("-D{}={} exceeds what this CPU/JVM vectorises ({} bits); using {}", PROPERTY, bits, preferred, preferred);
            return preferred;
        }
        log.info("vector width {} bits (forced by -D{})", bits, PROPERTY);
        return bits;
    }
}
