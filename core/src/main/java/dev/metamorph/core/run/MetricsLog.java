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
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** A log appending to {@code file} (created on the first record). */
    public static MetricsLog appendingTo(Path file) {
        return new MetricsLog(file);
    }

    /**
     * Cuts {@code file} back to the records logged up to {@code step}: it keeps the lines before the
     * first one that is cut short (a process killed while writing it) or whose {@code step} is
     * greater than {@code step}, and drops that line and everything after it (atomically). A run
     * resumed from the checkpoint of {@code step} then logs each later step once. Returns the number
     * of lines dropped (0 when the file does not exist).
     */
    public static int rewind(Path file, long step) {
        if (!Files.exists(file)) return 0;
        List<String> lines;
        try {
            byte[] raw = Files.readAllBytes(file);
            String text = new String(raw, StandardCharsets.UTF_8);
            lines = new ArrayList<>(List.of(text.split("\n", -1)));
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
            else if (!lines.isEmpty()) lines.set(lines.size() - 1, lines.get(lines.size() - 1) + "\u0000");   // no newline: cut short
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + " to rewind it to step " + step + ": " + e, e);
        }
        int keep = 0;
        for (String line : lines) {
            if (line.isEmpty() || line.endsWith("\u0000")) break;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                break;
            }
            if (n == null || !n.isObject()) break;
            if (n.has("step") && n.get("step").isNumber() && n.get("step").asLong() > step) break;
            keep++;
        }
        if (keep == lines.size()) return 0;
        StringBuilder sb = new StringBuilder();
        for (String line : lines.subList(0, keep)) sb.append(line).append('\n');
        AtomicFiles.writeString(file, sb.toString());
        return lines.size() - keep;
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
