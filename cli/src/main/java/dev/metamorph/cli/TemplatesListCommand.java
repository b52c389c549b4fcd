package dev.metamorph.cli;

import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import dev.metamorph.prompts.TemplateSpec;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code metamorph templates list [--root DIR]}: the templates per domain with their metadata. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the templates per domain with their metadata.")
public final class TemplatesListCommand implements Callable<Integer> {
    @Mixin
    TemplateOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PromptsConfig cfg = options.prompts();
        PrintWriter out = spec.commandLine().getOut();
        try (TemplateRegistry registry = TemplateRegistry.open(cfg)) {
            out.println("templates root: " + cfg.templatesRoot());
            for (String domain : registry.domains()) {
                String def = registry.defaultTemplateId(domain);
                out.println(domain + ":");
                for (TemplateSpec s : registry.templates(domain)) {
                    out.printf("  %s%s  v%s  %s  fields=%s  labels=%d%n      %s%n", s.id(), s.id().equals(def) ? " (default)" : "",
                            s.version(), s.file(), s.fields(), s.verbalizer().size(), s.description());
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
