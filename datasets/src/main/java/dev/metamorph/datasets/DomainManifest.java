package dev.metamorph.datasets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an import wrote for one domain ({@code <domain>.manifest.json} beside {@code <domain>.jsonl}):
 * the source's name, version and licence, the label set, the record count and the SHA-256
 * fingerprint of the JSONL file, so runs can record exactly which data they saw.
 */
public record DomainManifest(
        String domain, String source, String version, String licence, String labelSet,
        long records, int classes, String sha256, String file, String importedAt) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static Path path(Path cacheDir, String domain) {
        return cacheDir.resolve(domain + ".manifest.json");
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("domain", domain);
        m.put("source", source);
        m.put("version", version);
        m.put("licence", licence);
        m.put("label_set", labelSet);
        m.put("records", records);
        m.put("classes", classes);
        m.put("sha256", sha256);
        m.put("file", file);
        m.put("imported_at", importedAt);
        try {
            return JSON.writeValueAsString(m) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a manifest; an unreadable one is an error naming the file and the fix. */
    public static DomainManifest read(Path file) {
        try {
            var n = JSON.readTree(Files.readString(file));
            return new DomainManifest(
                    n.path("domain").asText(), n.path("source").asText(), n.path("version").asText(),
                    n.path("licence").asText(), n.path("label_set").asText(), n.path("records").asLong(),
                    n.path("classes").asInt(), n.path("sha256").asText(), n.path("file").asText(),
                    n.path("imported_at").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read manifest " + file + " (" + e.getMessage()
                    + "); re-import with 'metamorph data import <domain>'", e);
        }
    }
}
