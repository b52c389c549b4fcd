package dev.metamorph.prompts;

import java.io.IOException;
import java.io.Writer;

/**
 * Collects a render's output and stops it with {@link LimitExceededException} once the output
 * would pass a character cap or the wall-clock deadline has passed (checked at every write).
 * Not thread-safe; one per render.
 */
final class BoundedWriter extends Writer {
    private final StringBuilder out = new StringBuilder();
    private final int maxChars;
    private final long deadlineNanos;
    private final long limitMs;

    BoundedWriter(int maxChars, long deadlineNanos, long limitMs) {
        this.maxChars = maxChars;
        this.deadlineNanos = deadlineNanos;
        this.limitMs = limitMs;
    }

    private void check(int len) throws LimitExceededException {
        if (out.length() + (long) len > maxChars) {
            throw new LimitExceededException("output passed the cap of " + maxChars + " characters (prompts.max-output-chars); "
                    + "shorten the template's output or raise the cap");
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new LimitExceededException("render passed its time limit of " + limitMs + " ms (prompts.render-time-limit-ms); "
                    + "a loop over a huge range, a recursion or a costly built-in is the usual cause: bound it");
        }
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        check(len);
        out.append(cbuf, off, len);
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
        check(len);
        out.append(str, off, off + len);
    }

    @Override
    public void flush() {
        // output is kept in memory
    }

    @Override
    public void close() {
        // output is kept in memory
    }

    String text() {
        return out.toString();
    }

    /** Thrown from a write that would exceed a limit. */
    static final class LimitExceededException extends IOException {
        LimitExceededException(String message) {
            super(message);
        }
    }
}
