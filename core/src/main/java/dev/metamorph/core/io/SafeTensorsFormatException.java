package dev.metamorph.core.io;

import java.nio.file.Path;

/**
 * A safetensors file breaks a rule of the format. The message names the file, the tensor (when one
 * is at fault), what is wrong and what to do.
 */
public final class SafeTensorsFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    SafeTensorsFormatException(Path file, String tensor, String problem, Throwable cause) {
        super(message(file, tensor, problem), cause);
        this.file = file;
        this.tensor = tensor;
    }

    SafeTensorsFormatException(Path file, String tensor, String problem) {
        this(file, tensor, problem, null);
    }

    private static String message(Path file, String tensor, String problem) {
        String where = tensor == null ? "" : ", tensor '" + tensor + "'";
        return "Invalid safetensors file " + file + where + ": " + problem
                + ". The file is damaged or was not written by a safetensors writer; write it again"
                + " (or re-download it) and check that the copy was complete.";
    }

    /** The file that broke the rule. */
    public Path file() {
        return file;
    }

    /** The tensor at fault, or {@code null} when the problem is with the file or header as a whole. */
    public String tensor() {
        return tensor;
    }
}
