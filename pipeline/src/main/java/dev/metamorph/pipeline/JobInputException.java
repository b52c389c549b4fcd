package dev.metamorph.pipeline;

/**
 * What the user gave the job is wrong (a config value, a missing data source or model file); the
 * message says what and what to do. {@code cli} exits with code 2 and no stack trace for it.
 */
public class JobInputException extends RuntimeException {
    public JobInputException(String message) {
        super(message);
    }

    public JobInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
