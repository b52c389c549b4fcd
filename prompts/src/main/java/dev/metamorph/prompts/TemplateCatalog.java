package dev.metamorph.prompts;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the template metadata of a templates root: every sub-folder is a domain, and its
 * {@code templates.conf} lists the domain's templates. Collects every problem (missing or
 * misspelt keys, unknown record fields, missing files, duplicate ids naming both files) instead
 * of stopping at the first, so that lint can list them all.
 */
public final class TemplateCatalog {
    /** The file holding a domain's template metadata. */
    public static final String METADATA_FILE = "templates.conf";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Set<String> KEYS = Set.of("id", "file", "description", "domain", "fields", "verbalizer", "version", "escaping");
    private static final Set<String> TOP_KEYS = Set.of("default", "templates");

    private final Path root;
    private final List<TemplateSpec> templates;
    private final Map<String, String> fileDefaults;
    private final List<CatalogProblem> problems;

    private TemplateCatalog(Path root, List<TemplateSpec> templates, Map<String, String> fileDefaults, List<CatalogProblem> problems) {
        this.root = root;
        this.templates = List.copyOf(templates);
        this.fileDefaults = Map.copyOf(fileDefaults);
        this.problems = List.copyOf(problems);
    }

    /** The templates root this catalog was read from (absolute). */
    public Path root() {
        return root;
    }

    /** The well-formed template entries, by domain then file order. */
    public List<TemplateSpec> templates() {
        return templates;
    }

    /** Domain -> the {@code default} id written in its templates.conf (domains without one are absent). */
    public Map<String, String> fileDefaults() {
        return fileDefaults;
    }

    /** Every problem found; empty when the root is well-formed. */
    public List<CatalogProblem> problems() {
        return problems;
    }

    /** Reads every {@code <domain>/templates.conf} under {@code root}. */
    public static TemplateCatalog scan(Path root) {
        Path r = root.toAbsolutePath().normalize();
        List<TemplateSpec> specs = new ArrayList<>();
        Map<String, String> defaults = new TreeMap<>();
        List<CatalogProblem> problems = new ArrayList<>();
        if (!Files.isDirectory(r)) {
            problems.add(new CatalogProblem(display(r), "templates root is not a folder",
                    "set prompts.templates-root (or --root) to the folder holding <domain>/templates.conf"));
            return new TemplateCatalog(r, specs, defaults, problems);
        }
        List<Path> domains;
        try (Stream<Path> s = Files.list(r)) {
            domains = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            problems.add(new CatalogProblem(display(r), "cannot list the templates root: " + e.getMessage(), "check its permissions"));
            return new TemplateCatalog(r, specs, defaults, problems);
        }
        Map<String, TemplateSpec> byId = new HashMap<>();
        for (Path dir : domains) {
            String domain = dir.getFileName().toString();
            if (domain.startsWith(".")) continue;
            Path conf = dir.resolve(METADATA_FILE);
            try {
                if (!dir.toRealPath().startsWith(r.toRealPath())) {
                    problems.add(new CatalogProblem(display(dir), "domain folder is a link to " + dir.toRealPath()
                            + ", outside the templates root", "copy the folder into the root instead of linking it"));
                    continue;
                }
            } catch (IOException e) {
                problems.add(new CatalogProblem(display(dir), "cannot resolve the folder: " + e.getMessage(), "check the link"));
                continue;
            }
            if (!DOMAIN.matcher(domain).matches()) {
                problems.add(new CatalogProblem(display(dir), "domain folder name '" + domain + "' is not a valid domain name",
                        "use lower-case letters, digits, '-' and '_'"));
                continue;
            }
            if (!Files.isRegularFile(conf)) {
                problems.add(new CatalogProblem(display(dir), "domain folder has no " + METADATA_FILE,
                        "add " + METADATA_FILE + " listing its templates (see prompts/ADDING_A_DOMAIN.md)"));
                continue;
            }
            readDomain(r, domain, conf, specs, defaults, problems, byId);
        }
        if (specs.isEmpty() && problems.isEmpty()) {
            problems.add(new CatalogProblem(display(r), "no templates found", "add <domain>/" + METADATA_FILE + " and <domain>/*.ftl"));
        }
        return new TemplateCatalog(r, specs, defaults, problems);
    }

    private static void readDomain(Path root, String domain, Path conf, List<TemplateSpec> specs, Map<String, String> defaults,
            List<CatalogProblem> problems, Map<String, TemplateSpec> byId) {
        String confName = display(conf);
        Config c = MetadataParser.parse(conf, confName, problems);
        if (c == null) return;
        for (String key : c.root().keySet()) {
            if (!TOP_KEYS.contains(key)) {
                problems.add(new CatalogProblem(confName + line(c.root().get(key).origin()), "unknown key '" + key + "'",
                        "allowed top-level keys: default, templates"));
            }
        }
        if (!c.hasPath("templates") || c.getValue("templates").valueType() != ConfigValueType.LIST) {
            problems.add(new CatalogProblem(confName, "missing list 'templates'", "add templates = [ { id = ..., file = ..., ... } ]"));
            return;
        }
        List<String> ids = new ArrayList<>();
        ConfigList list = c.getList("templates");
        for (int i = 0; i < list.size(); i++) {
            ConfigValue v = list.get(i);
            String where = confName + line(v.origin());
            if (!(v instanceof ConfigObject o)) {
                problems.add(new CatalogProblem(where, "templates[" + i + "] is not an object", "write { id = ..., file = ..., ... }"));
                continue;
            }
            TemplateSpec spec = readEntry(root, domain, conf, o, where, problems);
            if (spec == null) continue;
            TemplateSpec previous = byId.putIfAbsent(spec.id(), spec);
            if (previous != null) {
                problems.add(new CatalogProblem(where, "duplicate template id '" + spec.id() + "', already defined at " + previous.origin(),
                        "template ids must be unique over all domains: rename one of them"));
                continue;
            }
            ids.add(spec.id());
            specs.add(spec);
        }
        if (c.hasPath("default")) {
            String d = c.getValue("default").unwrapped() instanceof String s ? s : null;
            if (d == null || !ids.contains(d)) {
                problems.add(new CatalogProblem(confName + line(c.getValue("default").origin()), "default '"
                        + c.getValue("default").unwrapped() + "' is not a template id of this file", "use one of " + ids));
            } else {
                defaults.put(domain, d);
            }
        }
    }

    private static TemplateSpec readEntry(Path root, String domain, Path conf, ConfigObject o, String where, List<CatalogProblem> problems) {
        // problems that still let lint compile and render the template (the registry refuses them all)
        List<CatalogProblem> soft = new ArrayList<>();
        int before = problems.size();
        for (String key : o.keySet()) {
            if (!KEYS.contains(key)) {
                soft.add(new CatalogProblem(where, "unknown key '" + key + "'", "allowed keys: " + new java.util.TreeSet<>(KEYS)));
            }
        }
        String id = string(o, "id", where, problems);
        String label = id == null ? "" : " (template '" + id + "')";
        if (id != null && !ID.matcher(id).matches()) {
            problems.add(new CatalogProblem(where, "id '" + id + "' is not valid", "use lower-case letters, digits, '.', '-', '_'"));
        }
        String description = string(o, "description", where + label, soft);
        String declaredDomain = string(o, "domain", where + label, problems);
        if (declaredDomain != null && !declaredDomain.equals(domain)) {
            problems.add(new CatalogProblem(where + label, "domain '" + declaredDomain + "' differs from its folder '" + domain + "'",
                    "set domain = \"" + domain + "\" or move the entry to templates/" + declaredDomain + "/"));
        }
        String version = scalar(o, "version", where + label, soft);
        String file = string(o, "file", where + label, problems);
        String name = null;
        if (file != null) {
            name = domain + "/" + file;
            String p = file.contains("/") ? "it must be a file of the domain's own folder, without '/'" : RootedTemplateLoader.nameProblem(name);
            if (p != null) {
                problems.add(new CatalogProblem(where + label, "file '" + file + "' is refused: " + p, "name a .ftl file next to " + METADATA_FILE));
            } else if (!Files.isRegularFile(root.resolve(name))) {
                problems.add(new CatalogProblem(where + label, "file '" + file + "' does not exist in " + display(conf.getParent()),
                        "create it or fix the name"));
            }
        }
        List<String> fields = new ArrayList<>();
        ConfigValue fv = o.get("fields");
        if (fv == null || fv.valueType() != ConfigValueType.LIST || ((ConfigList) fv).isEmpty()) {
            problems.add(new CatalogProblem(where + label, "missing or empty list 'fields'",
                    "list the record fields the template uses, e.g. fields = [text]"));
        } else {
            for (ConfigValue f : (ConfigList) fv) {
                Object u = f.unwrapped();
                if (!(u instanceof String s) || !RecordFields.isFieldName(s)) {
                    problems.add(new CatalogProblem(confName(conf) + line(f.origin()) + label, "'" + u + "' is not a record field",
                            "record fields are " + String.join(", ", RecordFields.TOP_LEVEL) + " and meta.<key>"));
                } else if (!fields.contains(s)) {
                    fields.add(s);
                }
            }
        }
        Map<String, String> verbalizer = new LinkedHashMap<>();
        ConfigValue vv = o.get("verbalizer");
        if (vv == null || vv.valueType() != ConfigValueType.OBJECT || ((ConfigObject) vv).isEmpty()) {
            problems.add(new CatalogProblem(where + label, "missing or empty object 'verbalizer'",
                    "map every label of the domain to the words shown to the model, e.g. verbalizer { law = \"law\" }"));
        } else {
            List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(((ConfigObject) vv).entrySet());
            entries.sort((a, b) -> Integer.compare(a.getValue().origin().lineNumber(), b.getValue().origin().lineNumber()));
            for (Map.Entry<String, ConfigValue> e : entries) {
                Object u = e.getValue().unwrapped();
                if (!(u instanceof String s) || s.isBlank()) {
                    problems.add(new CatalogProblem(confName(conf) + line(e.getValue().origin()) + label, "verbalizer entry '" + e.getKey()
                            + "' must be non-empty words, got " + e.getValue().render(), "write " + e.getKey() + " = \"...\""));
                } else {
                    verbalizer.put(e.getKey(), s);
                }
            }
        }
        Escaping escaping = null;
        if (o.containsKey("escaping")) {
            try {
                escaping = Escaping.parse(String.valueOf(o.get("escaping").unwrapped()));
            } catch (IllegalArgumentException ex) {
                soft.add(new CatalogProblem(where + label, "escaping " + ex.getMessage(), "use plain, html or xml"));
            }
        }
        boolean hard = problems.size() > before;
        problems.addAll(soft);
        if (hard) return null;
        return new TemplateSpec(id, description == null ? "" : description, domain, name, fields, verbalizer,
                version == null ? "?" : version, escaping, where);
    }

    private static String string(ConfigObject o, String key, String where, List<CatalogProblem> problems) {
        ConfigValue v = o.get(key);
        if (v == null || !(v.unwrapped() instanceof String s) || s.isBlank()) {
            problems.add(new CatalogProblem(where, (v == null ? "missing '" : "'") + key + "'" + (v == null ? "" : " must be a non-empty string"),
                    "add " + key + " = \"...\""));
            return null;
        }
        return s;
    }

    private static String scalar(ConfigObject o, String key, String where, List<CatalogProblem> problems) {
        ConfigValue v = o.get(key);
        if (v == null || v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST
                || v.valueType() == ConfigValueType.NULL || String.valueOf(v.unwrapped()).isBlank()) {
            problems.add(new CatalogProblem(where, "missing or empty '" + key + "'", "add " + key + " = \"1.0\""));
            return null;
        }
        return String.valueOf(v.unwrapped());
    }

    private static String confName(Path conf) {
        return display(conf);
    }

    private static String line(com.typesafe.config.ConfigOrigin origin) {
        return origin != null && origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "";
    }

    /** A path as shown in messages: relative to the project root when under it, else absolute. */
    static String display(Path p) {
        Path base = PromptsConfig.resolveAgainstProjectRoot(".");
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(base) && !a.equals(base) ? base.relativize(a).toString() : a.toString();
    }
}
