package dev.metamorph.core.data;

import java.util.Map;
import java.util.Objects;

/**
 * One normalized example (one JSONL line, see DATA.md): a definition text and its field label.
 * The headword and other source details live in {@code meta}; the model sees {@code text} only.
 */
public record Record(String id, String domain, String label, String text, String source, Map<String, String> meta) {
    public Record {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(text, "text");
        source = source == null ? "" : source;
        meta = meta == null ? Map.of() : Map.copyOf(meta);
    }
}
