package dev.metamorph.datasets;

import java.nio.file.Path;

/** A malformed record file line: names the file, the 1-based line number and what was wrong. */
public final class BadRecordException extends RuntimeException {
    private final Path file;
    private final long line;

    public BadRecordException(Path file, long line, String problem) {
        super(file + ":" + line + ": " + problem
                + " (fix or delete the line, re-import with 'metamorph data import', or set dataset.on-bad-record = skip)");
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    public long line() {
        return line;
    }
}
