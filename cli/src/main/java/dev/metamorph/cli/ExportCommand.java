package dev.metamorph.cli;

import com.typesafe.config.Config;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.pipeline.MainJob;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.AdapterExport;
import dev.metamorph.pipeline.export.ExportOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code metamorph export --run DIR [--domain D] [--out FILE]}: writes the adapter bundle of one
 * target domain (or of each) from a run folder, with the run's own config; prints each bundle's
 * accuracy on held-out records and, low-rank, the reconstruction error and accuracy change.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes adapter bundles (<domain>.adapter.zip) from a run folder: parameters (full or low-rank delta from theta_0),",
            "support records, templates, tokenizer reference and manifest. Default: every target domain into <run>/export/."})
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, paramLabel = "DIR", description = "The run folder (outputs/<date>/<time>).")
    Path runDir;

    @Option(names = "--domain", paramLabel = "D", description = "The domain to export (default: every target domain of the run).")
    String domain;

    @Option(names = "--out", paramLabel = "FILE", description = "The bundle file (one domain only; default <run>/export/<domain>.adapter.zip).")
    Path out;

    @Option(names = "--encoding", paramLabel = "E", description = "full or lowrank (default: the run's export.encoding).")
    String encoding;

    @Option(names = "--rank", paramLabel = "K", description = "Rank of the low-rank delta (default: the run's export.rank).")
    Integer rank;

    @CommandLine.Mixin
    RunFolderOptions folder;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path root = ConfigComposer.projectRoot();
        Path dir = RunFolderOptions.resolve(runDir);
        Config config = AdapterExport.runConfig(dir);
        ExportOptions options = ExportOptions.from(config);
        if (encoding != null) {
            try {
                options = options.withEncoding(AdapterBundle.Encoding.valueOf(encoding.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ExitCodes.UserError("--encoding must be full or lowrank, got '" + encoding + "'");
            }
        }
        if (rank != null) {
            if (rank < 1) throw new ExitCodes.UserError("--rank must be >= 1, got " + rank);
            options = options.withRank(rank);
        }
        List<String> domains = domain != null ? List.of(domain) : AdapterExport.targetDomains(config);
        if (out != null && domains.size() != 1) throw new ExitCodes.UserError("--out names one file but the run has " + domains.size() + " target domains " + domains + "; add --domain");
        PrintWriter w = spec.commandLine().getOut();
        try (BaseEncoder base = AdapterExport.openBase(config, root)) {
            for (String d : domains) {
                Path file = out != null ? out : dir.resolve("export").resolve(d + AdapterBundle.SUFFIX);
                w.println(describe(d, AdapterExport.export(dir, config, root, d, file, options, base, MainJob.version())));
                w.flush();
            }
        }
        return ExitCodes.OK;
    }

    /** One line per bundle: where, labels, accuracy as stored, and for low rank the error and the change. */
    static String describe(String domain, AdapterExport.Result r) {
        Map<String, Object> m = r.metrics();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "export %s: %s (%s labels; %s head%s; accuracy on %s held-out records %.1f%%",
                domain, r.bundle(), m.get("labels"), m.getOrDefault("head", "model"), Boolean.TRUE.equals(m.get("centred")) ? ", domain centre" : "",
                m.get("holdout_records"), 100 * ((Number) m.get("accuracy_stored")).doubleValue()));
        if (m.containsKey("rank")) {
            sb.append(String.format(Locale.ROOT, ", full %.1f%%, change %+.1f points; rank %s, reconstruction error %.2e relative, %.2e max",
                    100 * ((Number) m.get("accuracy")).doubleValue(), 100 * ((Number) m.get("accuracy_change")).doubleValue(), m.get("rank"),
                    ((Number) m.get("reconstruction_relative_error")).doubleValue(), ((Number) m.get("reconstruction_max_abs_error")).doubleValue()));
            if (r.theta0File() != null) sb.append("; theta_0 in ").append(r.theta0File().getFileName());
        }
        return sb.append(')').toString();
    }
}
