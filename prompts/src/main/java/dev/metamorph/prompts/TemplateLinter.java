package dev.metamorph.prompts;

import dev.metamorph.core.data.Record;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Checks every template of a root: metadata complete and well-formed, the template compiles and
 * renders without error against sample records of its domain, uses only the record fields it
 * declares, gives non-empty output, and (when imported records are available) its verbalizer
 * covers every label of the domain with enough records.
 */
public final class TemplateLinter {
    private final PromptsConfig config;
    private final Function<String, Optional<List<Record>>> importedRecords;
    private final int minExamplesPerLabel;

    /**
     * @param config the settings (templates root, limits, defaults)
     * @param importedRecords domain -> its imported records, or empty when the domain is not imported
     * @param minExamplesPerLabel labels with at least this many imported records must be verbalized
     */
    public TemplateLinter(PromptsConfig config, Function<String, Optional<List<Record>>> importedRecords, int minExamplesPerLabel) {
        this.config = config;
        this.importedRecords = importedRecords;
        this.minExamplesPerLabel = minExamplesPerLabel;
    }

    /** The outcome of a lint: problems (none means it passed) and notes on what was checked. */
    public record Report(List<CatalogProblem> problems, List<String> notes, int templates, int renders) {
        public Report {
            problems = List.copyOf(problems);
            notes = List.copyOf(notes);
        }

        public boolean passed() {
            return problems.isEmpty();
        }
    }

    public Report lint() {
        List<CatalogProblem> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int renders = 0;
        try (TemplateRegistry registry = TemplateRegistry.openLenient(config)) {
            TemplateCatalog catalog = registry.catalog();
            problems.addAll(catalog.problems());
            for (Map.Entry<String, String> d : config.defaultTemplates().entrySet()) {
                List<TemplateSpec> own = registry.templates(d.getKey());
                if (!own.isEmpty() && own.stream().noneMatch(s -> s.id().equals(d.getValue()))) {
                    problems.add(new CatalogProblem("prompts.default-template." + d.getKey(), "names '" + d.getValue()
                            + "', which is not a template of domain '" + d.getKey() + "'", "use one of " + own.stream().map(TemplateSpec::id).toList()));
                }
            }
            Map<String, Samples> samplesByDomain = new LinkedHashMap<>();
            for (String domain : registry.domains()) {
                Samples s = samples(catalog, domain);
                samplesByDomain.put(domain, s);
                notes.add(domain + ": " + s.description());
            }
            for (TemplateSpec spec : registry.templates()) {
                Samples s = samplesByDomain.get(spec.domain());
                renders += lintTemplate(registry, spec, s, problems);
            }
            return new Report(problems, notes, registry.templates().size(), renders);
        }
    }

    private int lintTemplate(TemplateRegistry registry, TemplateSpec spec, Samples samples, List<CatalogProblem> problems) {
        PromptRenderer renderer;
        try {
            renderer = registry.renderer(spec.id());
        } catch (PromptRenderException e) {
            problems.add(new CatalogProblem(where(e), what(e), "template '" + spec.id() + "' does not compile"));
            return 0;
        }
        if (samples.records().isEmpty()) {
            problems.add(new CatalogProblem(spec.origin(), "no sample records for domain '" + spec.domain() + "', so template '"
                    + spec.id() + "' could not be rendered", "import the domain (./metamorph data import " + spec.domain()
                    + ") or add " + spec.domain() + "/" + SampleRecords.SAMPLES_FILE + " to the templates root"));
            return 0;
        }
        java.util.Set<String> present = new java.util.HashSet<>();
        for (Record r : samples.records()) present.addAll(RecordFields.present(r));
        for (String f : spec.fields()) {
            if (!present.contains(f)) {
                problems.add(new CatalogProblem(spec.origin(), "fields lists '" + f + "' but no " + (samples.imported() ? "imported" : "sample")
                        + " record of domain '" + spec.domain() + "' has it (template '" + spec.id() + "')",
                        "use a field the records have: " + new java.util.TreeSet<>(present)));
            }
        }
        java.util.Set<String> used = new java.util.HashSet<>();
        int n = 0;
        for (Record r : samples.records()) {
            n++;
            PromptRenderer.Tracked t;
            try {
                t = renderer.renderTracked(r);
            } catch (PromptRenderException e) {
                problems.add(new CatalogProblem(where(e), what(e) + " (record " + r.id() + ", template '" + spec.id() + "')", null));
                return n;
            }
            used.addAll(t.requested());
            if (t.text().isBlank()) {
                problems.add(new CatalogProblem(spec.file(), "renders empty output for record " + r.id() + " (template '" + spec.id() + "')",
                        "make sure the template prints the record's text"));
                return n;
            }
        }
        for (String f : spec.fields()) {
            String top = f.startsWith("meta.") ? "meta" : f;
            if (!used.contains(top)) {
                problems.add(new CatalogProblem(spec.origin(), "fields lists '" + f + "' but template '" + spec.id()
                        + "' never uses it", "remove it from fields, so that the metadata says what the template shows"));
            }
        }
        if (samples.imported()) {
            List<String> missing = samples.labels().keySet().stream().filter(l -> !spec.verbalizer().containsKey(l)).toList();
            if (!missing.isEmpty()) {
                problems.add(new CatalogProblem(spec.origin(), "verbalizer of template '" + spec.id() + "' lacks " + missing.size()
                        + " label(s) that have >= " + minExamplesPerLabel + " imported records: " + missing,
                        "add an entry label = \"words\" for each"));
            }
        }
        return n;
    }

    /** The records a domain's templates are rendered against. */
    private record Samples(List<Record> records, boolean imported, Map<String, Integer> labels, String description) {}

    private Samples samples(TemplateCatalog catalog, String domain) {
        Optional<List<Record>> real = importedRecords.apply(domain);
        if (real.isPresent() && !real.get().isEmpty()) {
            Map<String, Integer> counts = new TreeMap<>();
            for (Record r : real.get()) counts.merge(r.label(), 1, Integer::sum);
            Map<String, Integer> frequent = new TreeMap<>();
            counts.forEach((l, c) -> {
                if (c >= minExamplesPerLabel) frequent.put(l, c);
            });
            // one record of every frequent label, in file order: covers every verbalized class
            List<Record> picked = new ArrayList<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Record r : real.get()) {
                if (frequent.containsKey(r.label()) && seen.add(r.label())) picked.add(r);
            }
            return new Samples(picked, true, frequent, real.get().size() + " imported records, " + frequent.size()
                    + " labels with >= " + minExamplesPerLabel + " records; rendering one record per label");
        }
        List<Record> builtIn = SampleRecords.forDomain(catalog.root(), domain);
        return new Samples(builtIn, false, Map.of(), builtIn.isEmpty() ? "no records (not imported, no samples)"
                : "not imported; rendering " + builtIn.size() + " sample records (verbalizer coverage needs an import)");
    }

    private static String where(PromptRenderException e) {
        String w = PromptRenderException.place(e.template(), e.line(), e.column());
        return w.isEmpty() ? "(unknown template)" : w.substring(0, w.length() - 2);
    }

    private static String what(PromptRenderException e) {
        String w = PromptRenderException.place(e.template(), e.line(), e.column());
        return e.getMessage().startsWith(w) ? e.getMessage().substring(w.length()) : e.getMessage();
    }
}
