package io.github.dllmquant.core.linear;

import io.github.dllmquant.core.kernels.KernelProvider;
import io.github.dllmquant.core.kernels.integer.Int4Weights;
import io.github.dllmquant.core.kernels.integer.Int8Weights;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.QuantizedWeight;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layer holds only its kernel layout: {@link ActivationQuantizedLinear#weight()} rebuilds the weight it was made
 * of from {@link Int8Weights} or {@link Int4Weights}, and nothing else the size of the codes stays reachable.
 */
class ActivationQuantizedLinearWeightTest {

    private static final ActivationQuantizer AQ = ActivationQuantizer.asymmetric(8);

    static void assertEqualFieldByField(QuantizedWeight actual, QuantizedWeight expected) {
        assertThat(actual.out()).isEqualTo(expected.out());
        assertThat(actual.in()).isEqualTo(expected.in());
        assertThat(actual.bits()).isEqualTo(expected.bits());
        assertThat(actual.groupSize()).isEqualTo(expected.groupSize());
        assertThat(actual.symmetric()).isEqualTo(expected.symmetric());
        assertThat(actual.codes()).containsExactly(expected.codes());
        assertThat(rawBits(actual.scales())).containsExactly(rawBits(expected.scales()));
        assertThat(rawBits(actual.zeros())).containsExactly(rawBits(expected.zeros()));
        // a copy: the caller may not write through it into the layer
        assertThat(actual.codes() != expected.codes()).as("codes copied").isTrue();
    }

    private static int[] rawBits(float[] v) {
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = Float.floatToRawIntBits(v[i]);
        }
        return bits;
    }

    private static Object kernel(ActivationQuantizedLinear layer, String name) throws ReflectiveOperationException {
        Field f = ActivationQuantizedLinear.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(layer);
    }

    @Test
    void int8LayoutGivesBackTheWeightPerChannelAndGroupedSymAndAsym() throws ReflectiveOperationException {
        Random rnd = new Random(701);
        int in = 64;
        for (int bits = 5; bits <= 8; bits++) {
            for (int groupSize : new int[]{in, 32, 8}) {
                for (boolean sym : new boolean[]{true, false}) {
                    QuantizedWeight w = ActivationQuantizedLinearTest.randomWeight(rnd, 7, in, bits, groupSize, sym);
                    ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, null, AQ, null);
                    assertThat(kernel(layer, "int8")).as("bits %d g%d", bits, groupSize).isNotNull();
                    assertEqualFieldByField(layer.weight(), w);
                    // every call a fresh copy, equal to the last
                    assertThat(layer.weight().codes() != layer.weight().codes()).as("fresh codes").isTrue();
                }
            }
        }
        // 2..4 bits with a group the int4 blocks cannot take run on the int8 layout too
        for (int bits = 2; bits <= 4; bits++) {
            QuantizedWeight w = ActivationQuantizedLinearTest.randomWeight(rnd, 3, in, bits, 2, false);
            ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, null, AQ, null);
            assertThat(kernel(layer, "int8")).as("bits %d g2", bits).isNotNull();
            assertEqualFieldByField(layer.weight(), w);
        }
    }

    @Test
    void int4PanelLayoutGivesBackTheWeight() throws ReflectiveOperationException {
        Random rnd = new Random(702);
        int in = 4 * 128;
        for (int out : new int[]{37, 64}) { // 37: the last panel padded
            for (int bits = 2; bits <= 4; bits++) {
                for (boolean sym : new boolean[]{true, false}) {
                    QuantizedWeight w = ActivationQuantizedLinearTest.randomWeight(rnd, out, in, bits, 128, sym);
                    ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, null, AQ, null);
                    Int4Weights int4 = (Int4Weights) kernel(layer, "int4");
                    assertThat(int4).isNotNull();
                    // the panel layout needs the Panama kernels (the build's default); without them this is row-major
                    assertThat(int4.panelled()).isEqualTo(KernelProvider.panama());
                    assertEqualFieldByField(layer.weight(), w);
                }
            }
        }
    }

    @Test
    void int4RowMajorLayoutGivesBackTheWeight() throws ReflectiveOperationException {
        Random rnd = new Random(703);
        int in = 4 * 128;
        QuantizedWeight perChannel = ActivationQuantizedLinearTest.randomWeight(rnd, 37, in, 4, in, false);
        // a zero point outside [0, 15]: grouped, but not for the panel tiles
        QuantizedWeight g = ActivationQuantizedLinearTest.randomWeight(rnd, 37, in, 4, 128, false);
        float[] zeros = g.zeros().clone();
        zeros[5] = 17f;
        zeros[zeros.length - 1] = -2f;
        QuantizedWeight wideZero = new QuantizedWeight(g.out(), g.in(), g.bits(), g.groupSize(), false, g.codes(), g.scales(), zeros);
        for (QuantizedWeight w : new QuantizedWeight[]{perChannel, wideZero,
                ActivationQuantizedLinearTest.randomWeight(rnd, 5, in, 3, in, true)}) {
            ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, null, AQ, null);
            Int4Weights int4 = (Int4Weights) kernel(layer, "int4");
            assertThat(int4).isNotNull();
            assertThat(int4.panelled()).isFalse();
            assertEqualFieldByField(layer.weight(), w);
        }
    }

    /**
     * Walks everything the layer references (project classes and arrays): no {@link QuantizedWeight}, no byte array
     * of {@code out·in} codes besides an int8 layout's own, and the arrays held add up to {@link Linear#parameterBytes}.
     */
    @Test
    void theLayerHoldsOnlyItsKernelLayout() throws ReflectiveOperationException {
        Random rnd = new Random(704);
        int out = 40;
        int in = 4 * 128;
        QuantizedWeight[] weights = {
                ActivationQuantizedLinearTest.randomWeight(rnd, out, in, 8, in, true),    // W8A8 per-channel: int8
                ActivationQuantizedLinearTest.randomWeight(rnd, out, in, 8, 128, false),  // W8 g128 asym: int8
                ActivationQuantizedLinearTest.randomWeight(rnd, out, in, 4, 128, true),   // W4A8 g128: int4 panels
                ActivationQuantizedLinearTest.randomWeight(rnd, out, in, 4, in, false)};  // W4 per-channel: int4 row-major
        float[] bias = new float[out];
        for (QuantizedWeight w : weights) {
            ActivationQuantizedLinear layer = ActivationQuantizedLinear.of(w, bias, AQ, null);
            boolean int8 = kernel(layer, "int8") != null;
            Map<Object, Boolean> seen = new IdentityHashMap<>();
            List<Object> arrays = new ArrayList<>();
            long held = walk(layer, seen, arrays);
            String what = layer.format();
            assertThat(seen.keySet().stream().filter(o -> o instanceof QuantizedWeight).count())
                    .as("QuantizedWeights referenced by %s", what).isZero();
            long codeArrays = arrays.stream().filter(a -> a instanceof byte[] b && b.length >= out * in).count();
            assertThat(codeArrays).as("byte arrays of out*in in %s", what).isEqualTo(int8 ? 1 : 0);
            assertThat(held).as("array bytes held by %s", what).isEqualTo(layer.parameterBytes());
        }
    }

    /** Bytes of the primitive arrays reachable from {@code o} through project objects, each counted once. */
    private static long walk(Object o, Map<Object, Boolean> seen, List<Object> arrays) throws IllegalAccessException {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return 0;
        }
        Class<?> c = o.getClass();
        if (c.isArray()) {
            Class<?> e = c.getComponentType();
            if (!e.isPrimitive()) {
                long total = 0;
                for (int i = 0; i < Array.getLength(o); i++) {
                    total += walk(Array.get(o, i), seen, arrays);
                }
                return total;
            }
            arrays.add(o);
            int size = e == byte.class || e == boolean.class ? 1 : e == short.class || e == char.class ? 2
                    : e == long.class || e == double.class ? 8 : 4;
            return (long) Array.getLength(o) * size;
        }
        if (!c.getName().startsWith("io.github.dllmquant.")) {
            return 0;
        }
        long total = 0;
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                f.setAccessible(true);
                total += walk(f.get(o), seen, arrays);
            }
        }
        return total;
    }
}
