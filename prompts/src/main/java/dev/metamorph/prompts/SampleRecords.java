package dev.metamorph.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.data.Record;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small sets of real records used to check templates before any import: {@code <domain>/samples.jsonl}
 * in the templates root when present, else the set shipped with this module for
 * {@code wordnet}, {@code gcide} and {@code foldoc} (a few records of each, same JSONL format as
 * the imported data; see DATA.md).
 */
public final class SampleRecords {
    /** Optional file of sample records next to a domain's templates. */
    public static final String SAMPLES_FILE = "samples.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleRecords() {}

    /** The sample records for a domain, or an empty list when there are none. */
    public static List<Record> forDomain(Path templatesRoot, String domain) {
        Path own = templatesRoot.resolve(domain).resolve(SAMPLES_FILE);
        if (Files.isRegularFile(own)) {
            try (InputStream in = Files.newInputStream(own)) {
                return read(in, TemplateCatalog.display(own));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + own, e);
            }
        }
        return builtIn(domain);
    }

    /** The sample set shipped with this module for a domain (empty when none is shipped). */
    public static List<Record> builtIn(String domain) {
        String resource = "samples/" + domain + ".jsonl";
        try (InputStream in = SampleRecords.class.getResourceAsStream(resource)) {
            return in == null ? List.of() : read(in, "classpath:dev/metamorph/prompts/" + resource);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource, e);
        }
    }

    /** Reads JSONL records; a bad line fails naming {@code name:line}. */
    static List<Record> read(InputStream in, String name) throws IOException {
        List<Record> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            if (line.isBlank()) continue;
            try {
                out.add(parse(JSON.readTree(line)));
            } catch (IOException | IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(name + ":" + n + ": not a record (" + e.getMessage()
                        + "); each line must be a JSON object with id, domain, label, text, source, meta", e);
            }
        }
        return out;
    }

    private static Record parse(JsonNode o) {
        if (!o.isObject()) throw new IllegalArgumentException("not a JSON object");
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = o.get("meta");
        if (m != null && m.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                meta.put(e.getKey(), e.getValue().asText());
            }
        }
        return new Record(text(o, "id"), text(o, "domain"), text(o, "label"), text(o, "text"),
                o.hasNonNull("source") ? o.get("source").asText() : "", meta);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) throw new IllegalArgumentException("missing field '" + field + "'");
        return v.asText();
    }
}
