package dev.metamorph.prompts;

import dev.metamorph.core.data.Record;
import freemarker.template.SimpleHash;
import freemarker.template.SimpleObjectWrapper;
import freemarker.template.SimpleScalar;
import freemarker.template.TemplateHashModel;
import freemarker.template.TemplateModel;
import freemarker.template.TemplateModelException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The data model of one render, made of plain Freemarker scalars and hashes (no Java object is
 * reachable): the record fields the template declares ({@code text}, {@code meta.headword}...) as
 * top-level strings, {@code meta} as a hash of the declared meta keys, and {@code verbalizer}, a
 * hash label -> words. Anything else is undefined, so a template using an undeclared field fails.
 * Remembers which names the template looked up (for lint). Not thread-safe; one per render.
 */
final class RecordModel implements TemplateHashModel {
    private static final SimpleObjectWrapper WRAPPER = new SimpleObjectWrapper(freemarker.template.Configuration.VERSION_2_3_35);

    private final Map<String, TemplateModel> values = new LinkedHashMap<>();
    private final Set<String> requested = new LinkedHashSet<>();

    RecordModel(Record record, List<String> declaredFields, Map<String, String> verbalizer) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String f : declaredFields) {
            String v = RecordFields.value(record, f);
            if (v == null) continue; // stays undefined: the template fails naming it
            if (f.startsWith("meta.")) meta.put(f.substring(5), v);
            else values.put(f, new SimpleScalar(v));
        }
        if (!meta.isEmpty()) values.put("meta", new SimpleHash(meta, WRAPPER));
        values.put("verbalizer", new SimpleHash(new LinkedHashMap<>(verbalizer), WRAPPER));
    }

    @Override
    public TemplateModel get(String key) throws TemplateModelException {
        requested.add(key);
        return values.get(key);
    }

    @Override
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** Top-level names the template looked up, defined or not. */
    Set<String> requested() {
        return requested;
    }
}
