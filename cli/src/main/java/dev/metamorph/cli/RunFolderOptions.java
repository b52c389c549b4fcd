package dev.metamorph.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * What {@code export} and {@code report} share ({@code @Mixin RunFolderOptions folder;}): they read a
 * run folder without composing a config, so they take {@code --verbose} themselves, and resolve the
 * folder they are given the same way.
 */
public final class RunFolderOptions {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    /** {@code dir} as given if it is absolute or exists from the working directory, else under the project root ({@code -Dmetamorph.root}). */
    static Path resolve(Path dir) {
        return dir.isAbsolute() || Files.exists(dir) ? dir : Path.of(System.getProperty("metamorph.root", ".")).resolve(dir);
    }
}
