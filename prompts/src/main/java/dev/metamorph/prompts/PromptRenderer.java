package dev.metamorph.prompts;

import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.data.Record;
import freemarker.template.Template;
import java.util.List;
import java.util.Set;

/**
 * Turns records into prompt text with one sandboxed template. Only the record fields the template
 * declares are passed to it (by default the definition text; never the label or the headword
 * unless declared), so the text cannot leak what the model must predict. Thread-safe.
 *
 * <pre>{@code
 * String prompt = PromptRenderer.forDomain("gcide").render(record);
 * }</pre>
 */
public final class PromptRenderer {
    private final TemplateSpec spec;
    private final Template template;
    private final TemplateEngine engine;

    PromptRenderer(TemplateSpec spec, Template template, TemplateEngine engine) {
        this.spec = spec;
        this.template = template;
        this.engine = engine;
    }

    /**
     * The default template of a domain from the default settings ({@code reference.conf} plus any
     * {@code application.conf}, templates under the project root); the registry behind it is
     * opened once per process. Code holding a composed config should use
     * {@link TemplateRegistry#open(PromptsConfig)} instead.
     */
    public static PromptRenderer forDomain(String domain) {
        return DefaultRegistry.INSTANCE.forDomain(domain);
    }

    /** Renders one record; errors name template:line:col and what to do. */
    public String render(Record record) {
        return renderTracked(record).text();
    }

    /** Renders many records in order. */
    public List<String> renderAll(List<Record> records) {
        return records.stream().map(this::render).toList();
    }

    /** The words shown to the model for a label; the error names the templates.conf entry to extend. */
    public String verbalize(String label) {
        String w = spec.verbalizer().get(label);
        if (w == null) {
            throw new IllegalArgumentException("Label '" + label + "' has no verbalizer entry in template '" + spec.id() + "' ("
                    + spec.origin() + "); add " + label + " = \"...\" to its verbalizer");
        }
        return w;
    }

    /** The template's metadata. */
    public TemplateSpec spec() {
        return spec;
    }

    /** A render and the top-level names the template looked up (for lint). */
    record Tracked(String text, Set<String> requested) {}

    Tracked renderTracked(Record record) {
        RecordModel model = new RecordModel(record, spec.fields(), spec.verbalizer());
        String text = engine.render(template, model);
        return new Tracked(text, Set.copyOf(model.requested()));
    }

    /** The process-wide registry behind {@link #forDomain(String)}, opened on first use. */
    private static final class DefaultRegistry {
        static final TemplateRegistry INSTANCE = TemplateRegistry.open(PromptsConfig.from(ConfigFactory.load()));
    }
}
