package dev.metamorph.cli;

import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.importer.DomainImporter;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.datasets.importer.SourceMissingException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code metamorph data import all|<domain>...}: imports sources into the cache folder as JSONL. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Imports installed sources (wordnet, foldoc, gcide, and domains with a dataset.importers command) into normalized JSONL files in the cache folder.")
public final class DataImportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "all|DOMAIN", description = "'all' or domain names: wordnet, foldoc, gcide, or one of dataset.importers.")
    List<String> targets;

    @Mixin
    DataOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        DatasetConfig cfg = options.config();
        List<String> domains = new ArrayList<>();
        List<String> importable = DomainImporter.importable(cfg);
        for (String t : targets) {
            if (t.equals("all")) {
                for (String d : importable) if (!domains.contains(d)) domains.add(d);
            } else if (importable.contains(t)) {
                if (!domains.contains(t)) domains.add(t);
            } else {
                throw new ExitCodes.UserError("Unknown domain '" + t + "'; use 'all' or one of " + importable
                        + " (a domain of your own needs a dataset.importers." + t + " entry in the config: README, \"Adding a domain\")");
            }
        }
        DomainStore store = DataOptions.openStore(cfg);
        PrintWriter out = spec.commandLine().getOut();
        ImportProgress progress = dev.metamorph.pipeline.StageProgress.prefixed(DataProgressBar.forConsole(), "import ");
        long t0 = System.nanoTime();
        int threads = progress == ImportProgress.NONE ? Math.min(2, Runtime.getRuntime().availableProcessors()) : 1;
        List<DomainImporter.Report> reports;
        try {
            reports = store.importDomains(domains, cfg, progress, threads);
        } catch (SourceMissingException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        out.printf("%-8s %8s %8s %6s %9s  %s%n", "domain", "records", "classes", "dups", "seconds", "sha256");
        for (int i = 0; i < domains.size(); i++) {
            DomainImporter.Report r = reports.get(i);
            out.printf("%-8s %8d %8d %6d %9.1f  %s%n", domains.get(i), r.manifest().records(), r.manifest().classes(), r.duplicates(),
                    r.millis() / 1000.0, r.manifest().sha256());
        }
        out.printf("imported %d domain(s) into %s in %.1f s%n", domains.size(), store.cacheDir(), (System.nanoTime() - t0) / 1e9);
        return ExitCodes.OK;
    }
}
