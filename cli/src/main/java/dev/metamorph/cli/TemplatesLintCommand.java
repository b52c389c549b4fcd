package dev.metamorph.cli;

import dev.metamorph.datasets.DomainStore;
import dev.metamorph.prompts.CatalogProblem;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateLinter;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph templates lint [--root DIR]}: renders every template against records of its
 * domain (imported ones when present, else the built-in samples) and checks metadata, fields,
 * output and verbalizer coverage. Exit 0 when clean, 1 with the list of problems.
 */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = "Checks every template: metadata, render errors, fields used, non-empty output, verbalizer coverage.")
public final class TemplatesLintCommand implements Callable<Integer> {
    @Option(names = "--min-examples", paramLabel = "N",
            description = "Labels with at least N imported records must be verbalized (default: dataset.min-examples-per-class).")
    Integer minExamples;

    @Option(names = "--no-data", description = "Ignore imported records; render the built-in samples only.")
    boolean noData;

    @Mixin
    TemplateOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PromptsConfig cfg = options.prompts();
        int min = minExamples != null ? minExamples : options.dataset().minExamplesPerClass();
        if (min < 1) throw new ExitCodes.UserError("--min-examples must be >= 1, got " + min);
        DomainStore store = noData ? null : options.store();
        TemplateLinter linter = new TemplateLinter(cfg, d -> store == null ? Optional.empty() : options.imported(store, d), min);
        TemplateLinter.Report report = linter.lint();
        PrintWriter out = spec.commandLine().getOut();
        out.println("templates root: " + cfg.templatesRoot());
        for (String note : report.notes()) out.println("  " + note);
        if (report.passed()) {
            out.printf("OK: %d templates, %d renders, no problems%n", report.templates(), report.renders());
            out.flush();
            return ExitCodes.OK;
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.printf("FAILED: %d problem(s) in %d templates (%d renders):%n", report.problems().size(), report.templates(), report.renders());
        for (CatalogProblem p : report.problems()) err.println("  " + p);
        err.flush();
        return ExitCodes.FAILURE;
    }
}
