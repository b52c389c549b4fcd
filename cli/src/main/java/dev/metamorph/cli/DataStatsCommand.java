package dev.metamorph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.metamorph.datasets.BadRecordException;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStats;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.RecordFileReader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code metamorph data stats [domain] [--json]}: per-domain classes, examples per class, text lengths, split sizes. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Shows per-domain statistics of the imported data: classes, examples per class, tokens per text, class splits.")
public final class DataStatsCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "DOMAIN", description = "One domain (default: every imported domain).")
    String domain;

    @Option(names = "--json", description = "Print one JSON object keyed by domain name.")
    boolean json;

    @Mixin
    DataOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DatasetConfig cfg = options.config();
        DomainStore store = DataOptions.openStore(cfg);
        List<String> domains;
        if (domain != null) {
            if (!store.domains().contains(domain)) {
                throw new ExitCodes.UserError("No imported data for domain '" + domain + "' in " + store.cacheDir()
                        + "; run './metamorph data import " + domain + "'");
            }
            domains = List.of(domain);
        } else {
            domains = store.domains();
            if (domains.isEmpty()) {
                throw new ExitCodes.UserError("No imported data in " + store.cacheDir() + "; run './metamorph data import all'");
            }
        }
        List<DomainStats> stats = new ArrayList<>();
        for (String d : domains) {
            RecordFileReader.Result r;
            try {
                r = store.read(d);
            } catch (BadRecordException e) {
                throw new ExitCodes.UserError(e.getMessage(), e);
            }
            stats.add(DomainStats.of(d, r.records(), r.skipped(), cfg));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            for (DomainStats s : stats) all.put(s.domain(), s.toMap());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(all));
        } else {
            printTable(out, stats, cfg);
        }
        for (DomainStats s : stats) {
            if (s.skipped() > 0) spec.commandLine().getErr().printf("%s: skipped %d bad record(s) (dataset.on-bad-record = skip)%n", s.domain(), s.skipped());
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void printTable(PrintWriter out, List<DomainStats> stats, DatasetConfig cfg) {
        out.printf("%-8s %8s %7s %5s %6s  %-18s  %-20s  %-13s %-13s %-13s%n", "domain", "records", "classes", ">=20",
                "kept", "per class min/med/max", "tokens min/med/mean/max",
                "meta-train", "meta-val", "meta-test");
        for (DomainStats s : stats) {
            out.printf("%-8s %8d %7d %5d %6d  %-18s  %-20s  %-13s %-13s %-13s%n", s.domain(), s.records(), s.classes(),
                    s.classesWith20OrMore(), s.keptClasses(),
                    fmt(s.perClass()[0]) + "/" + fmt(s.perClass()[1]) + "/" + fmt(s.perClass()[2]),
                    fmt(s.tokens()[0]) + "/" + fmt(s.tokens()[1]) + "/" + String.format("%.1f", s.tokens()[2]) + "/" + fmt(s.tokens()[3]),
                    split(s, ClassSplit.META_TRAIN), split(s, ClassSplit.META_VAL), split(s, ClassSplit.META_TEST));
        }
        out.println("kept: classes with >= " + cfg.minExamplesPerClass() + " examples (dataset.min-examples-per-class); splits: classes/records of the kept classes");
    }

    private static String split(DomainStats s, ClassSplit split) {
        return s.splitClasses().get(split) + "c/" + s.splitRecords().get(split) + "r";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format("%.1f", v);
    }
}
