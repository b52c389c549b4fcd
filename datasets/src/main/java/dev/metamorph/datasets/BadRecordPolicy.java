package dev.metamorph.datasets;

import java.util.Locale;

/** What to do with a malformed JSONL line ({@code dataset.on-bad-record}). */
public enum BadRecordPolicy {
    /** Stop with an error naming the file and line. */
    FAIL,
    /** Skip the line, count it and report it. */
    SKIP;

    /** Parses {@code fail} or {@code skip}; the key is named in the error. */
    public static BadRecordPolicy parse(String key, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be 'fail' or 'skip', got '" + value + "'", e);
        }
    }
}
