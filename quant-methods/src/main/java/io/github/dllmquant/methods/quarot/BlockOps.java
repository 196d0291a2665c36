package io.github.dllmquant.methods.quarot;

import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.QuantizableBlock;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Small weight-space and calibration helpers shared by QuaRot, SmoothQuant and DuQuant: capturing the
 * inputs of a block's linear groups, per-channel activation maxima, column/row scaling and the output
 * error of a replaced layer.
 */
public final class BlockOps {

    /** Tokens of the first calibration sequence used to measure each layer's output error. */
    static final int LOSS_TOKENS = 256;

    private BlockOps() {
    }

    /** Runs the block once on {@code x} and returns a copy of every group's input. */
    public static Map<GroupRole, float[]> captureGroupInputs(QuantizableBlock block, float[] x, int tokens) {
        Map<GroupRole, float[]> captured = new EnumMap<>(GroupRole.class);
        block.forward(x, tokens, (group, input, t) -> captured.put(group, java.util.Arrays.copyOf(input, t * width(input, t))));
        return captured;
    }

    private static int width(float[] input, int tokens) {
        return input.length / tokens;
    }

    /**
     * The running per-channel {@code max_t |x_j|} of every group's input over all sequences (SmoothQuant's
     * {@code act_scales}).
     */
    public static Map<GroupRole, float[]> channelAbsMax(QuantizableBlock block, List<float[]> inputs, int tokens) {
        Map<GroupRole, float[]> amax = new EnumMap<>(GroupRole.class);
        for (float[] x : inputs) {
            checkInterrupted();
            block.forward(x, tokens, (group, input, t) -> {
                int n = input.length / t;
                float[] m = amax.computeIfAbsent(group, g -> new float[n]);
                for (int r = 0; r < t; r++) {
                    for (int j = 0; j < n; j++) {
                        m[j] = Math.max(m[j], Math.abs(input[r * n + j]));
                    }
                }
            });
        }
        return amax;
    }

    /** {@code W ← W·diag(s)}: column {@code j} of {@code w [out, in]} times {@code s[j]}, as a new array. */
    public static float[] scaleColumns(float[] w, int out, int in, float[] s) {
        float[] r = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                r[o * in + j] = w[o * in + j] * s[j];
            }
        }
        return r;
    }

    /** {@code max(max_o |W[o, j]|, floor)} per column over several {@code [out, in]} weights. */
    public static float[] columnAbsMax(List<Linear> linears, float floor) {
        int in = linears.get(0).inFeatures();
        float[] m = new float[in];
        java.util.Arrays.fill(m, floor);
        for (Linear l : linears) {
            float[] w = l.effectiveWeight();
            int out = l.outFeatures();
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < in; j++) {
                    m[j] = Math.max(m[j], Math.abs(w[o * in + j]));
                }
            }
        }
        return m;
    }

    /** A dense copy of {@code l} with its weight replaced. */
    public static DenseLinear dense(float[] w, Linear l) {
        return DenseLinear.of(w, l.bias(), l.outFeatures(), l.inFeatures());
    }

    /**
     * Mean squared difference of the outputs of {@code reference} and {@code replaced} on the first
     * {@code min(tokens, 256)} rows of {@code x}.
     */
    public static double outputMse(Linear reference, Linear replaced, float[] x, int tokens) {
        return outputMse(reference, replaced, x, x, tokens);
    }

    /**
     * Mean squared difference of {@code reference} on {@code x} and {@code replaced} on {@code xReplaced} (the
     * same input in the replaced layer's basis, e.g. divided by smoothing scales), first 256 rows.
     */
    public static double outputMse(Linear reference, Linear replaced, float[] x, float[] xReplaced, int tokens) {
        int t = Math.min(tokens, LOSS_TOKENS);
        int out = reference.outFeatures();
        float[] a = new float[t * out];
        float[] b = new float[t * out];
        reference.forward(x, t, a);
        replaced.forward(xReplaced, t, b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum / a.length;
    }

    /** Throws if the thread was interrupted (long calibration loops honour cancellation). */
    public static void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException("quantization interrupted");
        }
    }
}
