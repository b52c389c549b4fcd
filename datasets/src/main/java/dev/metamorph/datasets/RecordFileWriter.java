package dev.metamorph.datasets;

import dev.metamorph.core.run.AtomicFiles;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.data.Record;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Writes records as JSONL (one object a line, UTF-8, DATA.md field order) atomically: a temporary
 * file in the same folder is written, then moved into place with ATOMIC_MOVE, so readers never see
 * a half-written file. Returns the SHA-256 of the bytes written.
 */
public final class RecordFileWriter {
    private static final ObjectMapper JSON = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private RecordFileWriter() {}

    /** Writes {@code records} to {@code target}; returns the hex SHA-256 fingerprint of the file. */
    public static String write(Path target, List<Record> records) {
        Path folder = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(folder);
            tmp = Files.createTempFile(folder, "." + target.getFileName() + ".", ".tmp");
            MessageDigest sha = sha256();
            try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16), sha)) {
                for (Record r : records) {
                    JSON.writeValue(out, toJson(r));
                    out.write('\n');
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            deleteQuietly(tmp, e);
            throw new UncheckedIOException("Cannot write record file " + target + ": " + e.getMessage(), e);
        }
    }

    /** Writes small text (a manifest) atomically. */
    public static void writeString(Path target, String text) {
        AtomicFiles.writeString(target, text);
    }

    /** The hex SHA-256 of a file's bytes. */
    public static String sha256(Path file) {
        MessageDigest sha = sha256();
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + " to fingerprint it", e);
        }
        return HexFormat.of().formatHex(sha.digest());
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

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void deleteQuietly(Path tmp, IOException cause) {
        if (tmp == null) return;
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }
}
