package dev.metamorph.prompts;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.metamorph.core.Checks;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code prompts} settings: where templates live, the default template per domain and the
 * sandbox limits applied to every render.
 *
 * @param templatesRoot folder holding {@code <domain>/*.ftl} and {@code <domain>/templates.conf}, absolute
 * @param defaultTemplates domain -> template id used when none is asked for
 * @param maxOutputChars a render producing more characters than this fails
 * @param renderTimeLimitMs a render running longer than this (wall clock) fails
 * @param escaping output escaping of templates that do not choose their own
 */
public record PromptsConfig(Path templatesRoot, Map<String, String> defaultTemplates, int maxOutputChars,
        long renderTimeLimitMs, Escaping escaping) {

    public PromptsConfig {
        Checks.notNull("prompts.templates-root", templatesRoot);
        templatesRoot = templatesRoot.toAbsolutePath().normalize();
        defaultTemplates = Map.copyOf(defaultTemplates);
        Checks.positive("prompts.max-output-chars", maxOutputChars);
        Checks.positive("prompts.render-time-limit-ms", renderTimeLimitMs);
        Checks.notNull("prompts.escaping", escaping);
    }

    /** Reads and validates the {@code prompts} namespace of a composed config. */
    public static PromptsConfig from(Config c) {
        c.checkValid(ConfigFactory.defaultReference(), "prompts");
        Config p = c.getConfig("prompts");
        java.util.Set<String> known = ConfigFactory.defaultReference().getConfig("prompts").root().keySet();
        for (Map.Entry<String, ConfigValue> e : p.root().entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new ConfigException.BadPath(e.getValue().origin(), "prompts." + e.getKey(),
                        "unknown key; the prompts keys are " + new java.util.TreeSet<>(known));
            }
        }
        Map<String, String> defaults = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : p.getObject("default-template").entrySet()) {
            Object v = e.getValue().unwrapped();
            if (!(v instanceof String s) || s.isBlank()) {
                throw new ConfigException.BadValue(e.getValue().origin(), "prompts.default-template." + e.getKey(),
                        "must be a template id (a non-empty string), got " + e.getValue().render());
            }
            defaults.put(e.getKey(), s);
        }
        Escaping escaping;
        try {
            escaping = Escaping.parse(p.getString("escaping"));
        } catch (IllegalArgumentException ex) {
            throw new ConfigException.BadValue(p.getValue("escaping").origin(), "prompts.escaping", ex.getMessage());
        }
        return new PromptsConfig(resolveAgainstProjectRoot(p.getString("templates-root")), defaults,
                p.getInt("max-output-chars"), p.getLong("render-time-limit-ms"), escaping);
    }

    /** The defaults of {@code reference.conf} (templates under the project root). */
    public static PromptsConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    /** The same settings with another templates root. */
    public PromptsConfig withTemplatesRoot(Path root) {
        return new PromptsConfig(root, defaultTemplates, maxOutputChars, renderTimeLimitMs, escaping);
    }

    /** The same settings with other sandbox limits. */
    public PromptsConfig withLimits(int maxChars, long timeLimitMs) {
        return new PromptsConfig(templatesRoot, defaultTemplates, maxChars, timeLimitMs, escaping);
    }

    /**
     * Resolves a path from a config against the project root: the system property
     * {@code metamorph.root} (set by the launcher), else the working directory.
     */
    static Path resolveAgainstProjectRoot(String path) {
        Path p = Path.of(path);
        if (p.isAbsolute()) return p.normalize();
        String root = System.getProperty("metamorph.root");
        return (root == null || root.isBlank() ? Path.of("") : Path.of(root)).toAbsolutePath().resolve(p).normalize();
    }
}
