package dev.metamorph.prompts;

import java.util.List;
import java.util.Map;

/**
 * One template's entry in {@code templates/<domain>/templates.conf}.
 *
 * @param id unique over all domains, e.g. {@code gcide-definition}
 * @param description what the prompt asks, for people choosing a template
 * @param domain the domain folder it belongs to
 * @param file the template's name relative to the templates root ({@code gcide/definition.ftl})
 * @param fields the record fields it may use ({@code text}, {@code meta.headword}...); nothing else is passed
 * @param verbalizer label -> the words shown to the model for it, in file order
 * @param version the template's version, changed whenever its output changes
 * @param escaping output escaping, or null to use {@code prompts.escaping}
 * @param origin where the entry is written ({@code templates/gcide/templates.conf:4})
 */
public record TemplateSpec(String id, String description, String domain, String file, List<String> fields,
        Map<String, String> verbalizer, String version, Escaping escaping, String origin) {
    public TemplateSpec {
        fields = List.copyOf(fields);
        verbalizer = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(verbalizer));
    }
}
