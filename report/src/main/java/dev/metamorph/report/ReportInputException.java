package dev.metamorph.report;

/** A folder or file given to the report is not what it should be; the message says what and what to do. */
public final class ReportInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReportInputException(String message) {
        super(message);
    }
}
