package dev.metamorph.prompts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The templates of one root, by domain and id, with their compiled forms cached. Opening a
 * registry refuses a malformed root (duplicate ids name both files) with every problem listed.
 * Thread-safe; close it to stop its render threads.
 *
 * <pre>{@code
 * try (TemplateRegistry templates = TemplateRegistry.open(PromptsConfig.from(config))) {
 *     String prompt = templates.forDomain("gcide").render(record);
 * }
 * }</pre>
 */
public final class TemplateRegistry implements AutoCloseable {
    private final PromptsConfig config;
    private final TemplateCatalog catalog;
    private final Map<String, TemplateSpec> byId = new LinkedHashMap<>();
    private final TemplateEngine engine;
    private final Map<String, PromptRenderer> renderers = new ConcurrentHashMap<>();

    private TemplateRegistry(PromptsConfig config, TemplateCatalog catalog) {
        this.config = config;
        this.catalog = catalog;
        for (TemplateSpec s : catalog.templates()) byId.put(s.id(), s);
        Map<String, Escaping> escaping = new LinkedHashMap<>();
        for (TemplateSpec s : catalog.templates()) escaping.put(s.file(), s.escaping() == null ? config.escaping() : s.escaping());
        this.engine = new TemplateEngine(catalog.root(), config.escaping(), escaping, config.maxOutputChars(), config.renderTimeLimitMs());
    }

    /** Opens the templates under {@code config.templatesRoot()}; fails listing every problem if the root is malformed. */
    public static TemplateRegistry open(PromptsConfig config) {
        TemplateCatalog catalog = TemplateCatalog.scan(config.templatesRoot());
        if (!catalog.problems().isEmpty()) {
            throw new IllegalArgumentException("Templates root " + TemplateCatalog.display(catalog.root()) + " has "
                    + catalog.problems().size() + " problem(s); run `metamorph templates lint` for details:\n  "
                    + catalog.problems().stream().map(CatalogProblem::toString).collect(Collectors.joining("\n  ")));
        }
        return new TemplateRegistry(config, catalog);
    }

    /** Opens whatever is well-formed under the root; the problems stay in {@link #catalog()} (for lint). */
    static TemplateRegistry openLenient(PromptsConfig config) {
        return new TemplateRegistry(config, TemplateCatalog.scan(config.templatesRoot()));
    }

    /** The settings this registry was opened with. */
    public PromptsConfig config() {
        return config;
    }

    /** What was read from the root. */
    public TemplateCatalog catalog() {
        return catalog;
    }

    /** The domains that have templates, sorted. */
    public List<String> domains() {
        return byId.values().stream().map(TemplateSpec::domain).distinct().sorted().toList();
    }

    /** The templates of a domain, in file order (empty if none). */
    public List<TemplateSpec> templates(String domain) {
        return byId.values().stream().filter(s -> s.domain().equals(domain)).toList();
    }

    /** All templates, by domain then file order. */
    public List<TemplateSpec> templates() {
        return List.copyOf(byId.values());
    }

    /** The template with this id; the error lists the known ids. */
    public TemplateSpec template(String id) {
        TemplateSpec s = byId.get(id);
        if (s == null) {
            throw new IllegalArgumentException("No template with id '" + id + "' under " + TemplateCatalog.display(catalog.root())
                    + "; known ids: " + byId.keySet());
        }
        return s;
    }

    /**
     * The id used for a domain when none is asked for: {@code prompts.default-template.<domain>},
     * else the {@code default} of the domain's templates.conf, else its only template.
     */
    public String defaultTemplateId(String domain) {
        List<TemplateSpec> own = templates(domain);
        if (own.isEmpty()) {
            throw new IllegalArgumentException("No templates for domain '" + domain + "' under " + TemplateCatalog.display(catalog.root())
                    + " (domains with templates: " + domains() + "); add templates/" + domain + "/" + TemplateCatalog.METADATA_FILE
                    + " and a .ftl file (see prompts/ADDING_A_DOMAIN.md)");
        }
        String configured = config.defaultTemplates().get(domain);
        if (configured != null) {
            if (own.stream().noneMatch(s -> s.id().equals(configured))) {
                throw new IllegalArgumentException("prompts.default-template." + domain + " = \"" + configured
                        + "\" is not a template of domain '" + domain + "'; use one of "
                        + own.stream().map(TemplateSpec::id).toList());
            }
            return configured;
        }
        String fromFile = catalog.fileDefaults().get(domain);
        if (fromFile != null) return fromFile;
        if (own.size() == 1) return own.get(0).id();
        throw new IllegalArgumentException("Domain '" + domain + "' has " + own.size() + " templates and no default; set "
                + "prompts.default-template." + domain + " or `default` in its " + TemplateCatalog.METADATA_FILE);
    }

    /** The renderer of a domain's default template. */
    public PromptRenderer forDomain(String domain) {
        return renderer(defaultTemplateId(domain));
    }

    /** The renderer of a template by id (compiled once, then cached). */
    public PromptRenderer renderer(String id) {
        TemplateSpec spec = template(id);
        return renderers.computeIfAbsent(id, k -> new PromptRenderer(spec, engine.load(spec.file()), engine));
    }

    /** Ids of all templates as {@code domain -> ids}. */
    public Map<String, List<String>> idsByDomain() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (TemplateSpec s : byId.values()) out.computeIfAbsent(s.domain(), d -> new ArrayList<>()).add(s.id());
        return out;
    }

    @Override
    public void close() {
        engine.close();
    }
}
