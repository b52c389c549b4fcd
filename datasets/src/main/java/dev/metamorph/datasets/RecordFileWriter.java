package dev.metamorph.datasets;

import dev.metamorph.core.run.AtomicFiles;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.data.Record;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes records as JSONL (one object a line, UTF-8, DATA.md field order) through
 * {@link AtomicFiles} (written fully, forced, verified, renamed), so readers never see a half-written
 * file. Returns the SHA-256 of the bytes written.
 */
public final class RecordFileWriter {
    private static final ObjectMapper JSON = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private RecordFileWriter() {}

    /** Writes {@code records} to {@code target}; returns the hex SHA-256 fingerprint of the file. */
    public static String write(Path target, List<Record> records) {
        return AtomicFiles.write(target, raw -> {
            OutputStream out = new BufferedOutputStream(raw, 1 << 16);
            for (Record r : records) {
                JSON.writeValue(out, toJson(r));
                out.write('\n');
            }
            out.flush();
        });
    }

    /** Writes small text (a manifest) atomically. */
    public static void writeString(Path target, String text) {
        AtomicFiles.writeString(target, text);
    }

    /** The hex SHA-256 of a file's bytes. */
    public static String sha256(Path file) {
        return AtomicFiles.sha256(file);
    }

    private static Map<String, Object> toJson(Record r) {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("id", r.id());
        m.put("domain", r.domain());
        m.put("label", r.label());
        m.put("text", r.text());
        m.put("source", r.source());
        m.put("meta", new java.util.TreeMap<>(r.meta()));
        return m;
    }
}
