package dev.metamorph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.metamorph.datasets.BadRecordException;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.ClassSplitTable;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainClasses;
import dev.metamorph.datasets.DomainStore;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph data splits [--json]}: per domain, per class split, the labels and their record
 * counts, and whether any target held-out label is a source meta-train label (exit 1 if so).
 */
@Command(name = "splits", mixinStandardHelpOptions = true,
        description = "Shows per domain and class split (meta-train, meta-val, meta-test) the labels and their record counts, "
                + "and checks that no target meta-val/meta-test label is a source meta-train label.")
public final class DataSplitsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print {domain: {split: {label: records}}} as JSON.")
    boolean json;

    @Mixin
    DataOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DatasetConfig cfg = options.config();
        DomainStore store = DataOptions.openStore(cfg);
        List<DomainClasses> classes = new ArrayList<>();
        for (String d : cfg.domains()) {
            if (!store.domains().contains(d)) {
                throw new ExitCodes.UserError("No imported data for domain '" + d + "' (dataset.domains) in " + store.cacheDir()
                        + "; run './metamorph data import " + d + "'");
            }
            try {
                classes.add(store.classes(d, cfg));
            } catch (BadRecordException e) {
                throw new ExitCodes.UserError(e.getMessage(), e);
            }
        }
        ClassSplitTable table = ClassSplitTable.of(classes);
        List<String> leaks = table.leaks(cfg.sourceDomains(), cfg.targetDomains());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(table.toMap()));
        } else {
            printTable(out, table, cfg);
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        if (!leaks.isEmpty()) {
            for (String l : leaks) err.println("leak: " + l);
            err.println(leaks.size() + " target held-out label(s) are source meta-train labels; class splits must hold across "
                    + "domains (dataset.fixed-classes can pin a label)");
            err.flush();
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    private static void printTable(PrintWriter out, ClassSplitTable table, DatasetConfig cfg) {
        for (String d : table.domains()) {
            String role = cfg.sourceDomains().contains(d) ? "source" : cfg.targetDomains().contains(d) ? "target" : "unused";
            out.printf("%s (%s)%n", d, role);
            for (ClassSplit s : ClassSplit.values()) {
                Map<String, Integer> counts = table.counts(d, s);
                int records = counts.values().stream().mapToInt(Integer::intValue).sum();
                out.printf("  %-10s %3d classes %6d records%n", s.key(), counts.size(), records);
                StringBuilder line = new StringBuilder("    ");
                for (var e : counts.entrySet()) {
                    String cell = e.getKey() + " " + e.getValue();
                    if (line.length() > 4 && line.length() + cell.length() + 2 > 100) {
                        out.println(line);
                        line = new StringBuilder("    ");
                    }
                    if (line.length() > 4) line.append(", ");
                    line.append(cell);
                }
                if (line.length() > 4) out.println(line);
            }
        }
        out.printf("classes with >= %d records (dataset.min-examples-per-class); split of a label = hash(dataset.split-seed, label),"
                + " the same in every domain%n", cfg.minExamplesPerClass());
        List<String> leaks = table.leaks(cfg.sourceDomains(), cfg.targetDomains());
        if (leaks.isEmpty()) {
            out.printf("no meta-val/meta-test label of %s is a meta-train label of %s%n", cfg.targetDomains(), cfg.sourceDomains());
        }
    }
}
