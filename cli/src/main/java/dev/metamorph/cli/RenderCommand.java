package dev.metamorph.cli;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.prompts.PromptRenderException;
import dev.metamorph.prompts.PromptRenderer;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.SampleRecords;
import dev.metamorph.prompts.TemplateRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph render --domain gcide [--template ID] [-n 5] [--seed S]}: prints the prompts a
 * template makes from records of a domain, drawn without replacement by a seeded generator.
 */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Renders prompts for sample records of a domain (imported records; --samples for the built-in ones).")
public final class RenderCommand implements Callable<Integer> {
    @Option(names = "--domain", required = true, paramLabel = "DOMAIN", description = "Domain whose records are rendered (wordnet, gcide, foldoc...).")
    String domain;

    @Option(names = "--template", paramLabel = "ID", description = "Template id (default: the domain's default template).")
    String template;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "5", description = "Number of records (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the record draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--samples", description = "Use the small built-in sample records instead of the imported data.")
    boolean samples;

    @Mixin
    TemplateOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (count < 1) throw new ExitCodes.UserError("-n must be >= 1, got " + count);
        PromptsConfig cfg = options.prompts();
        List<Record> records = records(cfg);
        List<Record> drawn = draw(records, count, new SeedSequence(seed).child("render"));
        PrintWriter out = spec.commandLine().getOut();
        try (TemplateRegistry registry = open(cfg)) {
            PromptRenderer renderer;
            try {
                renderer = template == null ? registry.forDomain(domain) : registry.renderer(template);
            } catch (IllegalArgumentException e) {
                throw new ExitCodes.UserError(e.getMessage(), e);
            }
            int failed = 0;
            for (Record r : drawn) {
                String words = renderer.spec().verbalizer().get(r.label());
                // ids, labels and texts come from data: control characters are shown escaped, never sent to the terminal
                out.printf("--- %s  label: %s%s  template: %s v%s%n", TerminalText.escape(r.id()), TerminalText.escape(r.label()),
                        words == null ? " (not in the verbalizer)" : " -> \"" + TerminalText.escape(words) + "\"", renderer.spec().id(),
                        TerminalText.escape(renderer.spec().version()));
                try {
                    out.println(TerminalText.escape(renderer.render(r)));
                } catch (PromptRenderException e) {
                    failed++;
                    spec.commandLine().getErr().println("error: " + TerminalText.escape(e.getMessage()));
                }
            }
            out.flush();
            return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }

    private TemplateRegistry open(PromptsConfig cfg) {
        try {
            return TemplateRegistry.open(cfg);
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
    }

    private List<Record> records(PromptsConfig cfg) {
        if (samples) {
            List<Record> s = SampleRecords.forDomain(cfg.templatesRoot(), domain);
            if (s.isEmpty()) {
                throw new ExitCodes.UserError("No sample records for domain '" + domain + "'; add " + domain + "/"
                        + SampleRecords.SAMPLES_FILE + " to the templates root, or import the domain and drop --samples");
            }
            return s;
        }
        DomainStore store = options.store();
        return options.imported(store, domain).filter(l -> !l.isEmpty()).orElseThrow(() -> new ExitCodes.UserError(
                "No imported records for domain '" + domain + "' in " + store.cacheDir() + "; run './metamorph data import "
                        + domain + "' first (or add --samples to render the built-in sample records)"));
    }

    /** {@code n} records drawn without replacement (all of them, shuffled, when there are fewer). */
    static List<Record> draw(List<Record> records, int n, RandomGenerator rng) {
        List<Integer> idx = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) idx.add(i);
        int k = Math.min(n, records.size());
        List<Record> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(records.size() - i);
            java.util.Collections.swap(idx, i, j);
            out.add(records.get(idx.get(i)));
        }
        return out;
    }
}
