package dev.metamorph.cli;

import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.prompts.PromptRenderer;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.SampleRecords;
import dev.metamorph.prompts.TemplateRegistry;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph templates bench --domain gcide [-n 20000]}: renders records one after another
 * through the sandbox (worker thread, limits, fresh data model per record) and prints the
 * throughput and the latency percentiles.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measures render throughput and latency of a template.")
public final class TemplatesBenchCommand implements Callable<Integer> {
    @Option(names = "--domain", defaultValue = "gcide", paramLabel = "DOMAIN", description = "Domain (default: ${DEFAULT-VALUE}).")
    String domain;

    @Option(names = "--template", paramLabel = "ID", description = "Template id (default: the domain's default).")
    String template;

    @Option(names = {"-n", "--count"}, defaultValue = "20000", paramLabel = "N", description = "Timed renders (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--warmup", defaultValue = "5000", paramLabel = "N", description = "Untimed renders first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin
    TemplateOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (count < 1 || warmup < 0) throw new ExitCodes.UserError("-n must be >= 1 and --warmup >= 0");
        PromptsConfig cfg = options.prompts();
        DomainStore store = options.store();
        List<Record> records = options.imported(store, domain).filter(l -> !l.isEmpty())
                .orElseGet(() -> SampleRecords.forDomain(cfg.templatesRoot(), domain));
        if (records.isEmpty()) throw new ExitCodes.UserError("No records for domain '" + domain + "'; run './metamorph data import " + domain + "'");
        PrintWriter out = spec.commandLine().getOut();
        try (TemplateRegistry registry = TemplateRegistry.open(cfg)) {
            PromptRenderer r = template == null ? registry.forDomain(domain) : registry.renderer(template);
            long chars = 0;
            for (int i = 0; i < warmup; i++) chars += r.render(records.get(i % records.size())).length();
            long[] ns = new long[count];
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long s = System.nanoTime();
                chars += r.render(records.get(i % records.size())).length();
                ns[i] = System.nanoTime() - s;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Arrays.sort(ns);
            out.printf("template %s over %d %s records: %d renders in %.2f s = %.0f renders/s; latency p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us (%d chars)%n",
                    r.spec().id(), records.size(), domain, count, secs, count / secs, ns[count / 2] / 1e3, ns[(int) (count * 0.9)] / 1e3,
                    ns[(int) (count * 0.99)] / 1e3, ns[count - 1] / 1e3, chars);
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
