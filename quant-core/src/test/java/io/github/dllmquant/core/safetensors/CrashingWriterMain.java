package io.github.dllmquant.core.safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Child process of {@link CrashSafetyTest}: rewrites {@code args[0]/model.safetensors} forever, alternating
 * two versions (every value of version v equals v), until it is killed.
 */
public final class CrashingWriterMain {

    private CrashingWriterMain() {
    }

    /** Writes until killed. */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]).resolve("model.safetensors");
        float[] values = new float[1 << 20];
        for (int i = 0; ; i++) {
            int version = i % 2;
            Arrays.fill(values, version);
            new SafeTensorsWriter().addF32("w", new long[]{values.length}, values)
                    .addBf16("b", new long[]{values.length}, values)
                    .putMetadata("version", Integer.toString(version)).write(target);
            System.out.println("wrote " + i);
        }
    }
}
