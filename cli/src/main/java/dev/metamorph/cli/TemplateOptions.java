package dev.metamorph.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.config.ConfigError;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.prompts.PromptsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Options shared by {@code render} and {@code templates}: the templates root and config overrides
 * ({@code prompts.max-output-chars=2000}), composed with {@code configs/} like every command; and
 * access to the imported records of a domain.
 */
public final class TemplateOptions {
    @Option(names = "--root", paramLabel = "DIR", description = "Templates root (default: prompts.templates-root, i.e. templates/).")
    Path root;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Config overrides, e.g. prompts.render-time-limit-ms=500.")
    List<String> overrides = new ArrayList<>();

    private Config composed;

    /** The composed configuration (configs/ + overrides over every module's reference.conf). */
    Config config() {
        if (composed == null) {
            try {
                composed = ConfigComposer.forProject(ConfigComposer.projectRoot()).compose(overrides).config();
            } catch (ConfigError | ConfigException e) {
                throw new ExitCodes.UserError(e.getMessage(), e);
            }
        }
        return composed;
    }

    /** The validated prompts settings, with {@code --root} applied. */
    PromptsConfig prompts() {
        PromptsConfig p;
        try {
            p = PromptsConfig.from(config());
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        if (root != null) {
            if (!Files.isDirectory(root)) throw new ExitCodes.UserError("--root " + root + " is not a folder");
            p = p.withTemplatesRoot(root.toAbsolutePath());
        }
        return p;
    }

    /** The validated dataset settings (cache folder, minimum examples per class). */
    DatasetConfig dataset() {
        try {
            return DatasetConfig.from(config());
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
    }

    /** The store of imported records named by {@code dataset.cache-dir}. */
    DomainStore store() {
        DatasetConfig d = dataset();
        return DomainStore.open(d.resolvedCacheDir(ConfigComposer.projectRoot()), d.onBadRecord());
    }

    /**
     * The records of a domain in the data cache ({@code <cache-dir>/<domain>.jsonl}, imported or placed
     * there by hand), or empty when there is no such file.
     */
    Optional<List<Record>> imported(DomainStore store, String domain) {
        return Files.isRegularFile(store.fileOf(domain)) ? Optional.of(store.records(domain)) : Optional.empty();
    }
}
