package dev.metamorph.datasets;

import dev.metamorph.core.Checks;
import java.util.List;

/**
 * How to obtain a domain that has no importer of its own ({@code dataset.importers.<domain>}): a
 * command (a script of the domain team's) that writes the domain's normalized JSONL records to the
 * file given in place of {@code {out}}; {@code {domain}} is replaced by the domain name. The command
 * runs in the project root; its records are then checked, deduplicated and written with a manifest
 * like those of the built-in importers.
 *
 * @param domain the domain this command imports (the key under {@code dataset.importers})
 * @param command the program and its arguments, e.g. {@code ["python3", "scripts/import_fortunes.py", "{out}"]}
 * @param licence the source's licence, kept in the manifest
 * @param labelSet what the labels are (e.g. {@code category}); a manifest with another label set is re-imported
 * @param origin where the entry was set ({@code configs/dataset/x.conf:12}), named in errors
 */
public record ImportCommand(String domain, List<String> command, String licence, String labelSet, String origin) {
    public static final String OUT = "{out}";
    public static final String DOMAIN = "{domain}";

    public ImportCommand {
        Checks.notBlank("dataset.importers key", domain);
        String key = "dataset.importers." + domain;
        command = List.copyOf(command);
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException(key + ".command must name a program (" + origin + ")");
        }
        if (command.stream().noneMatch(a -> a.contains(OUT))) {
            throw new IllegalArgumentException(key + ".command " + command + " (" + origin
                    + ") has no argument holding " + OUT + ", the file the command must write its JSONL records to");
        }
        Checks.notBlank(key + ".licence", licence);
        Checks.notBlank(key + ".label-set", labelSet);
    }

    /** The command line with {@code {out}} and {@code {domain}} replaced. */
    public List<String> commandLine(String outFile) {
        return command.stream().map(a -> a.replace(OUT, outFile).replace(DOMAIN, domain)).toList();
    }
}
