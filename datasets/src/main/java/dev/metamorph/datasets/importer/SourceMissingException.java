package dev.metamorph.datasets.importer;

/** A data source is not installed; the message names the missing path and the exact install step. */
public final class SourceMissingException extends RuntimeException {
    public SourceMissingException(String message) {
        super(message);
    }
}
