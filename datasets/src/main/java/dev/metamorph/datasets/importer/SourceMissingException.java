package dev.metamorph.datasets.importer;

/**
 * A domain's source is not available: not installed (the message names the missing path and the exact
 * install step), or its configured import command failed (the message names the command, its config
 * key and the end of its output).
 */
public final class SourceMissingException extends RuntimeException {
    public SourceMissingException(String message) {
        super(message);
    }
}
