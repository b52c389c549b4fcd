package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.prompts.PromptRenderer;
import dev.metamorph.prompts.TemplateRegistry;
import java.util.HashMap;
import java.util.Map;

/** The prompt text the model reads for a record: the record through its domain's default template. Not thread-safe (renderers are cached). */
public final class PromptTexts {
    private final TemplateRegistry registry;
    private final Map<String, PromptRenderer> renderers = new HashMap<>();

    public PromptTexts(TemplateRegistry registry) {
        this.registry = registry;
    }

    public String of(Record r) {
        return renderers.computeIfAbsent(r.domain(), registry::forDomain).render(r);
    }
}
