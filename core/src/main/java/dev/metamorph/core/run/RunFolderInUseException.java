package dev.metamorph.core.run;

/** A run folder is locked by another process (or another open run of this one); the message names the folder and the holder. */
public final class RunFolderInUseException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public RunFolderInUseException(String message) {
        super(message);
    }
}
