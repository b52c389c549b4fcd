package dev.metamorph.pipeline.export;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.Checks;
import java.util.Locale;

/** Settings of the export (HOCON namespace {@code export}, defaults in the pipeline module's {@code reference.conf}). */
public record ExportOptions(boolean enabled, AdapterBundle.Encoding encoding, int rank, int shots, int holdout) {
    public ExportOptions {
        Checks.notNull("export.encoding", encoding);
        Checks.positive("export.rank", rank);
        Checks.positive("export.shots", shots);
        Checks.check(holdout >= 0, "export.holdout must be >= 0, got %s", holdout);
    }

    /** Reads the {@code export} namespace; a config without one (a run folder from before the export existed) gets the defaults. */
    public static ExportOptions from(Config c) {
        Config withDefaults = c.withFallback(ConfigFactory.defaultReference());
        withDefaults.checkValid(ConfigFactory.defaultReference(), "export");
        Config e = withDefaults.getConfig("export");
        java.util.Set<String> known = ConfigFactory.defaultReference().getConfig("export").root().keySet();
        for (String key : e.root().keySet()) {
            if (!known.contains(key)) throw new com.typesafe.config.ConfigException.BadPath(e.root().get(key).origin(), "export." + key, "unknown key; the export keys are " + new java.util.TreeSet<>(known));
        }
        return new ExportOptions(e.getBoolean("enabled"), encoding(e), e.getInt("rank"), e.getInt("shots"), e.getInt("holdout"));
    }

    private static AdapterBundle.Encoding encoding(Config e) {
        String v = e.getString("encoding").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "full" -> AdapterBundle.Encoding.FULL;
            case "lowrank" -> AdapterBundle.Encoding.LOWRANK;
            default -> throw new com.typesafe.config.ConfigException.BadValue(e.getValue("encoding").origin(), "export.encoding", "must be full or lowrank, got '" + v + "'");
        };
    }

    public ExportOptions withEncoding(AdapterBundle.Encoding e) {
        return new ExportOptions(enabled, e, rank, shots, holdout);
    }

    public ExportOptions withRank(int r) {
        return new ExportOptions(enabled, encoding, r, shots, holdout);
    }
}
