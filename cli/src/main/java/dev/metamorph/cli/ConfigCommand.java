package dev.metamorph.cli;

import dev.metamorph.core.config.Composition;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.config.ConfigError;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metamorph config}: shows the composed configuration ({@code show}) and its groups ({@code groups}). */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Shows the composed configuration and its groups.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Groups.class})
public final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.OK;
    }

    /** {@code metamorph config show [overrides...]}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Prints the composed config (project namespaces) as HOCON.",
                "With -m, runs the sweep: one numbered job folder per combination, each with config.resolved.conf, overrides.txt, provenance.json."})
    public static final class Show implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Option(names = "--resolve", description = "Resolve $${...} interpolations.")
        boolean resolve;

        @Option(names = "--json", description = "Print JSON (resolved) for scripts.")
        boolean json;

        @Option(names = "--origins", description = "Print one line per key: key = value  # where it was set.")
        boolean origins;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (config.multirun()) {
                int code = config.launch(run -> {
                    out.println("job " + run.dir().getFileName() + ": " + String.join(" ", run.overrides()) + " -> " + run.dir());
                    return ExitCodes.OK;
                });
                out.flush();
                return code;
            }
            Composition c = config.compose();
            if (origins) {
                for (Map.Entry<String, String> e : c.origins().entrySet()) {
                    String value = c.config().getValue(e.getKey()).render(com.typesafe.config.ConfigRenderOptions.concise());
                    out.println(e.getKey() + " = " + value + "  # " + e.getValue());
                }
            } else {
                out.print(c.render(resolve, json));
                if (json) out.println();
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code metamorph config groups}. */
    @Command(name = "groups", mixinStandardHelpOptions = true,
            description = "Lists the config groups (folders of configs/) and their options; * marks the default choice.")
    public static final class Groups implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ConfigComposer composer = config.composer();
            Map<String, List<String>> groups;
            Map<String, String> chosen;
            try {
                groups = composer.groups();
                chosen = composer.compose(config.overrides()).choices();
            } catch (ConfigError e) {
                throw ConfigOptions.userError(e);
            }
            out.println("Config groups in " + composer.configDir() + " (choose with group=option; * = chosen):");
            for (Map.Entry<String, List<String>> g : groups.entrySet()) {
                String current = chosen.get(g.getKey());
                List<String> marked = g.getValue().stream().map(o -> o.equals(current) ? o + "*" : o).toList();
                out.println("  " + g.getKey() + ": " + (marked.isEmpty() ? "(no options)" : String.join(", ", marked)));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
