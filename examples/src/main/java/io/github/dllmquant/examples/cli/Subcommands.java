package io.github.dllmquant.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one list of {@code dllmq} subcommands. A new command is a picocli {@code @Command} class in this
 * package (or another examples package) plus one line here; {@link Dllmq} registers them in this order
 * (which is also the order of {@code dllmq --help}).
 */
final class Subcommands {

    private static final List<Supplier<Object>> ALL = List.of(
            StudyCommand::new,
            GenerateCommand::new,
            QuantizeCommand::new,
            EvalCommand::new,
            OutliersCommand::new,
            InspectCommand::new,
            BenchCommand::new);

    private Subcommands() {
    }

    /** Fresh instances of every subcommand (picocli keeps option values in them, so one set per run). */
    static List<Object> create() {
        List<Object> commands = new ArrayList<>();
        for (Supplier<Object> s : ALL) {
            commands.add(s.get());
        }
        return commands;
    }
}
