package dev.metamorph.core.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Append-only JSON-lines writer for a run's {@code metrics.jsonl}: one JSON object per line,
 * flushed as soon as it is written so that a crashed run keeps every metric logged before the crash.
 * Thread-safe.
 */
public final class MetricsLog implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private BufferedWriter out;

    MetricsLog(Path file) {
        this.file = file;
    }

    /** The file written to. */
    public Path file() {
        return file;
    }

    /** Appends one record (values: numbers, strings, booleans, null, lists and maps of them). */
    public synchronized void append(Map<String, ?> record) {
        String line;
        try {
            line = JSON.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Metrics record cannot be written as JSON: " + record + " (" + e.getOriginalMessage() + ")", e);
        }
        try {
            if (out == null) {
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            out.write(line);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends {@code {"step": step, ...values}}. */
    public void append(long step, Map<String, ?> values) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", step);
        record.putAll(values);
        append(record);
    }

    @Override
    public synchronized void close() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot close " + file + ": " + e.getMessage(), e);
        } finally {
            out = null;
        }
    }
}
