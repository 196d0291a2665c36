package io.github.dllmquant.examples.cli;

import io.github.dllmquant.core.safetensors.Inspect;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dllmq inspect PATH}: lists the tensors (name, dtype, shape, byte range) and metadata of a
 * {@code .safetensors} file, a sharded index or a model folder, or prints one line naming the problem
 * and exits 2.
 */
@Command(name = "inspect", description = "Show the tensors (name, dtype, shape, byte range) and metadata of a "
        + ".safetensors file, a model.safetensors.index.json or a model folder; exit 2 with one line if it is broken.")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "PATH", description = "A .safetensors file, a sharded index or a model folder.")
    Path path;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            spec.commandLine().getOut().print(Inspect.describe(path));
            return 0;
        } catch (IOException | RuntimeException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("dllmq inspect: " + Dllmq.message(e));
            err.flush();
            return Dllmq.EXIT_USAGE;
        }
    }
}
