package dev.metamorph.serving;

/** An error answer: HTTP status, the request field at fault (or null) and a message saying what to do. */
final class ApiError extends RuntimeException {
    final int status;
    final String field;

    ApiError(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }
}
