package io.github.dllmquant.runtime.robust;

import io.github.dllmquant.core.linear.ActivationQuantizedLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.linear.WeightOnlyLinear;
import io.github.dllmquant.core.quant.ActivationQuantizer;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.runtime.model.DiffusionLm;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Child process of {@link FolderCrashSafetyTest}: builds the two quantized versions of tiny-llada
 * ({@link #version}), prints {@code ready}, then saves them alternately over {@code args[0]} until it is
 * killed, printing {@code saved I MILLIS} after each save.
 */
public final class SavingChildMain {

    static final Path TINY_LLADA = Path.of("../examples/models/tiny-llada");

    private SavingChildMain() {
    }

    /**
     * Version 0: RTN W4A16 g128 (asymmetric) of every block linear; version 1: W8A8 (per-channel symmetric
     * weights, per-token symmetric activations). Their logits differ by far more than a reload's rounding.
     */
    static DiffusionLm version(int v) throws IOException {
        DiffusionLm model = DiffusionLm.load(TINY_LLADA);
        for (int b = 0; b < model.blockCount(); b++) {
            var block = model.block(b);
            for (LinearRole role : LinearRole.values()) {
                Linear l = block.linear(role);
                int out = l.outFeatures();
                int in = l.inFeatures();
                float[] w = l.effectiveWeight();
                block.setLinear(role, v == 0
                        ? WeightOnlyLinear.of(WeightQuantizer.of(4, 128, false).quantize(w, out, in), l.bias(), null)
                        : ActivationQuantizedLinear.of(WeightQuantizer.of(8, -1, true).quantize(w, out, in), l.bias(),
                                ActivationQuantizer.symmetric(8), null));
            }
        }
        return model;
    }

    /** Saves until killed. */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        DiffusionLm[] versions = {version(0), version(1)};
        System.out.println("ready");
        for (int i = 0; ; i++) {
            long t0 = System.nanoTime();
            versions[i % 2].save(target);
            System.out.println("saved " + i + " " + (System.nanoTime() - t0) / 1_000_000);
        }
    }
}
