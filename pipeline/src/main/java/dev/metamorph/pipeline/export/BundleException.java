package dev.metamorph.pipeline.export;

import dev.metamorph.pipeline.JobInputException;

/**
 * A bundle that cannot be written or must not be loaded: the message names the bundle, the entry
 * or base at fault and what to do. The command line exits with code 2 for it; the server answers
 * its load request with the message.
 */
public class BundleException extends JobInputException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
