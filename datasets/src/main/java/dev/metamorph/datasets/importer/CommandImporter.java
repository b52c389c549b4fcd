package dev.metamorph.datasets.importer;

import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.BadRecordPolicy;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.ImportCommand;
import dev.metamorph.datasets.RecordFileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A domain team's own importer ({@code dataset.importers.<domain>}): runs the configured command in
 * the project root, which writes the domain's normalized JSONL records to a scratch file, and reads
 * them back strictly (every line a valid record of this domain). The scratch file is removed after a
 * successful read and kept, named in the error, after a failed one.
 */
public final class CommandImporter implements SourceImporter {
    private static final int STDERR_TAIL_LINES = 20;

    private final ImportCommand command;
    private final Path workDir;
    private final Path scratch;

    /**
     * @param command the configured command
     * @param workDir folder the command runs in (the project root)
     * @param scratch the file the command writes ({@code {out}}); replaced if present
     */
    public CommandImporter(ImportCommand command, Path workDir, Path scratch) {
        this.command = command;
        this.workDir = workDir;
        this.scratch = scratch;
    }

    @Override
    public String domain() {
        return command.domain();
    }

    /** Name and version come from the records' {@code source} fields, see {@link #info(List)}. */
    @Override
    public SourceInfo info() {
        return new SourceInfo("command " + command.command(), "", command.licence());
    }

    /** The distinct {@code source} values of the records (usually one, e.g. {@code fortune-mod fortunes 1:1.99.1-7.3}). */
    @Override
    public SourceInfo info(List<Record> records) {
        Set<String> sources = new LinkedHashSet<>();
        for (Record r : records) if (!r.source().isBlank()) sources.add(r.source());
        return sources.isEmpty() ? info() : new SourceInfo(String.join("; ", sources), "", command.licence());
    }

    @Override
    public String labelSet(DatasetConfig cfg) {
        return command.labelSet();
    }

    @Override
    public List<Record> read(DatasetConfig cfg, ImportProgress progress) {
        String key = "dataset.importers." + domain() + ".command";
        List<String> line = command.commandLine(scratch.toAbsolutePath().toString());
        progress.start(domain(), 1);
        Path log;
        int exit;
        try {
            Files.createDirectories(scratch.toAbsolutePath().getParent());
            Files.deleteIfExists(scratch);
            log = Files.createTempFile(scratch.toAbsolutePath().getParent(), "." + domain() + "-import-", ".log");
            Process p = new ProcessBuilder(line).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            exit = p.waitFor();
        } catch (IOException e) {
            throw new SourceMissingException("Cannot run the importer of domain '" + domain() + "': " + line + " (" + key + ", set at "
                    + command.origin() + ") failed to start in " + workDir + ": " + e.getMessage()
                    + "; check that the program is installed and the path is right");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while importing domain '" + domain() + "' with " + line, e);
        }
        String output = tail(log);
        deleteQuietly(log);
        if (exit != 0) {
            throw new SourceMissingException("The importer of domain '" + domain() + "' failed with exit code " + exit + ": " + line
                    + " (" + key + ", set at " + command.origin() + "), run in " + workDir + ". Its output ends with:\n" + output);
        }
        if (!Files.isRegularFile(scratch)) {
            throw new SourceMissingException("The importer of domain '" + domain() + "' exited 0 but wrote no file " + scratch + ": " + line
                    + " (" + key + ", set at " + command.origin() + ") must write the records to the argument given as "
                    + ImportCommand.OUT + (output.isBlank() ? "" : ". Its output ends with:\n" + output));
        }
        List<Record> records = new RecordFileReader(BadRecordPolicy.FAIL).read(scratch).records();
        List<Record> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            Record r = records.get(i);
            if (!r.domain().equals(domain())) {
                throw new IllegalStateException(scratch + ": record " + (i + 1) + " (id '" + r.id() + "') has domain '" + r.domain()
                        + "' but the importer " + key + " imports domain '" + domain() + "'; every record must carry \"domain\":\""
                        + domain() + "\" (the file is kept for inspection)");
            }
            out.add(r);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("The importer of domain '" + domain() + "' (" + key + ") wrote no records to " + scratch);
        }
        deleteQuietly(scratch);
        progress.advance(1);
        progress.finish();
        return out;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - STDERR_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover scratch file is replaced by the next import
        }
    }
}
