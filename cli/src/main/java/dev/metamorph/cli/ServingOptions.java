package dev.metamorph.cli;

import com.typesafe.config.Config;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.serving.ServingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options {@code serve} and {@code bench serve} share ({@code @Mixin ServingOptions serving;}):
 * the config overrides ({@link ConfigOptions}) and {@code --adapters DIR}, read into the composed
 * config and its {@link ServingConfig}.
 */
public final class ServingOptions {
    @Mixin
    ConfigOptions config;

    @Option(names = "--adapters", paramLabel = "DIR", description = "Folder of bundles (default serving.adapters-dir).")
    Path adapters;

    /** The composed config, the project root and the serving settings with {@code --adapters} applied (relative to the working directory if it exists there, else to the project root). */
    record Composed(Config config, Path root, ServingConfig serving) {}

    Composed compose() {
        Config c = config.compose().config();
        Path root = ConfigComposer.projectRoot();
        ServingConfig sc = ServingConfig.from(c, root);
        if (adapters != null) sc = sc.withAdaptersDir(adapters.isAbsolute() || Files.exists(adapters) ? adapters.toAbsolutePath() : root.resolve(adapters));
        return new Composed(c, root, sc);
    }
}
