package dev.metamorph.prompts;

import dev.metamorph.core.data.Record;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The record fields a template may declare in {@code templates.conf} ({@code id}, {@code domain},
 * {@code label}, {@code text}, {@code source}, {@code meta.<key>}) and their values for one record.
 */
public final class RecordFields {
    /** Top-level fields of {@link Record} other than {@code meta}. */
    public static final List<String> TOP_LEVEL = List.of("id", "domain", "label", "text", "source");

    private RecordFields() {}

    /** True if {@code field} names a record field: one of {@link #TOP_LEVEL} or {@code meta.<key>}. */
    public static boolean isFieldName(String field) {
        return TOP_LEVEL.contains(field) || (field.startsWith("meta.") && field.length() > 5 && field.indexOf('.', 5) < 0);
    }

    /** The value of a declared field for a record, or null if the record lacks it (a missing meta key). */
    static String value(Record r, String field) {
        return switch (field) {
            case "id" -> r.id();
            case "domain" -> r.domain();
            case "label" -> r.label();
            case "text" -> r.text();
            case "source" -> r.source();
            default -> field.startsWith("meta.") ? r.meta().get(field.substring(5)) : null;
        };
    }

    /** The field names a record actually has ({@link #TOP_LEVEL} and its meta keys). */
    static Set<String> present(Record r) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (String f : TOP_LEVEL) out.put(f, true);
        for (String k : r.meta().keySet()) out.put("meta." + k, true);
        return out.keySet();
    }
}
