package dev.metamorph.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Checks a composed config against the defaults of every module's {@code reference.conf}: every
 * key must exist there (unless it was added with {@code +key=value} or sits in an open map), and
 * every value must have the type of its default. Open maps are reference objects that are empty,
 * listed in {@code config.open-maps}, or preceded by a comment holding {@code @map}.
 */
final class ConfigValidator {
    private final ConfigObject reference;
    private final Set<String> openMaps;
    private final Path projectRoot;
    private final Set<String> referencePaths;

    ConfigValidator(Config reference, Set<String> openMaps, Path projectRoot) {
        this.reference = reference.root();
        this.openMaps = Set.copyOf(openMaps);
        this.projectRoot = projectRoot;
        this.referencePaths = allPaths(reference.root());
    }

    /** Every dotted path (objects and leaves) under {@code root}. */
    static Set<String> allPaths(ConfigObject root) {
        return KeySuggester.allPaths(root);
    }

    /** All paths of the reference (for suggestions). */
    Set<String> referencePaths() {
        return referencePaths;
    }

    /**
     * Validates a resolved config.
     *
     * @param composed the resolved composition
     * @param added    paths added with {@code +key} or {@code ++key} (not checked, nor anything below them)
     * @param whereSet where each path was set, for messages
     */
    void validate(Config composed, Set<String> added, Function<String, String> whereSet) {
        walk(composed.root(), reference, new ArrayList<>(), added, whereSet);
    }

    private void walk(ConfigObject obj, ConfigObject ref, List<String> prefix, Set<String> added, Function<String, String> whereSet) {
        for (var e : obj.entrySet()) {
            prefix.add(e.getKey());
            String path = ConfigUtil.joinPath(prefix);
            ConfigValue value = e.getValue();
            if (!added.contains(path)) {
                ConfigValue refValue = ref == null ? null : ref.get(e.getKey());
                if (refValue == null) {
                    if (ref == null || !isOpen(ref, prefix.subList(0, prefix.size() - 1))) {
                        throw new ConfigError("Unknown key '" + path + "' (set at " + whereSet.apply(path) + "): no module declares it in its reference.conf"
                                + KeySuggester.hint(path, referencePaths)
                                + " Fix the name, or add it on purpose with +" + path + "=<value>.");
                    }
                } else {
                    checkType(path, refValue, value, whereSet);
                    if (value instanceof ConfigObject child && refValue instanceof ConfigObject refChild) {
                        walk(child, refChild, prefix, added, whereSet);
                    }
                }
            }
            prefix.remove(prefix.size() - 1);
        }
    }

    private boolean isOpen(ConfigObject ref, List<String> refPath) {
        if (refPath.isEmpty()) return false;
        if (ref.isEmpty() || openMaps.contains(ConfigUtil.joinPath(refPath))) return true;
        return ref.origin() != null && ref.origin().comments().stream().anyMatch(c -> c.contains("@map"));
    }

    private void checkType(String path, ConfigValue ref, ConfigValue found, Function<String, String> whereSet) {
        ConfigValueType expected = ref.valueType();
        ConfigValueType actual = found.valueType();
        if (expected == ConfigValueType.NULL || actual == ConfigValueType.NULL) return;
        String problem = null;
        switch (expected) {
            case NUMBER -> {
                // Typesafe Config keeps a whole number written as 5.0 as an integer: read the default's own text
                boolean integral = (ref.unwrapped() instanceof Integer || ref.unwrapped() instanceof Long) && !writtenWithFraction(ref);
                if (actual == ConfigValueType.NUMBER) {
                    double d = ((Number) found.unwrapped()).doubleValue();
                    if (integral && (found.unwrapped() instanceof Double) && d != Math.rint(d)) problem = "an integer";
                } else if (actual == ConfigValueType.STRING) {
                    if (!parsesAsNumber((String) found.unwrapped(), integral)) problem = integral ? "an integer" : "a number";
                } else {
                    problem = integral ? "an integer" : "a number";
                }
            }
            case BOOLEAN -> {
                if (actual != ConfigValueType.BOOLEAN
                        && !(actual == ConfigValueType.STRING && Set.of("true", "false", "yes", "no", "on", "off").contains(found.unwrapped()))) {
                    problem = "a boolean (true or false)";
                }
            }
            case STRING -> {
                if (actual == ConfigValueType.LIST || actual == ConfigValueType.OBJECT) problem = "a string";
            }
            case LIST -> {
                if (actual != ConfigValueType.LIST) problem = "a list";
            }
            case OBJECT -> {
                if (actual != ConfigValueType.OBJECT) problem = "an object";
            }
            default -> { }
        }
        if (problem != null) {
            throw new ConfigError("Wrong type for '" + path + "' (set at " + whereSet.apply(path) + "): expected " + problem
                    + " like its default " + render(ref) + " (" + Origins.format(ref.origin(), projectRoot) + "), found "
                    + describe(found) + ".");
        }
    }

    private static boolean parsesAsNumber(String s, boolean integral) {
        try {
            if (integral) Long.parseLong(s.strip());
            else Double.parseDouble(s.strip());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String describe(ConfigValue v) {
        return switch (v.valueType()) {
            case STRING -> "the string " + render(v);
            case NUMBER -> "the number " + render(v);
            case BOOLEAN -> "the boolean " + render(v);
            case LIST -> "the list " + render(v);
            case OBJECT -> "an object " + render(v);
            case NULL -> "null";
        };
    }

    private static final java.util.Map<java.net.URL, List<String>> SOURCE_LINES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.regex.Pattern NUMBER_AFTER_KEY = java.util.regex.Pattern.compile("[=:]\\s*([-+]?[0-9][0-9_]*(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\\s*(?:#.*|//.*|,)?$");

    /**
     * Whether a number that Typesafe Config holds as an integer was written with a fraction or an
     * exponent ({@code strength = 10.0}) in the line its origin names: such a default takes any number.
     * False when the source cannot be read.
     */
    private static boolean writtenWithFraction(ConfigValue ref) {
        java.net.URL url = ref.origin().url();
        int line = ref.origin().lineNumber();
        if (url == null || line < 1) return false;
        List<String> lines = SOURCE_LINES.computeIfAbsent(url, u -> {
            try (java.io.InputStream in = u.openStream()) {
                return List.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\\R", -1));
            } catch (java.io.IOException e) {
                return List.of();
            }
        });
        if (line > lines.size()) return false;
        java.util.regex.Matcher m = NUMBER_AFTER_KEY.matcher(lines.get(line - 1).trim());
        if (!m.find()) return false;
        String text = m.group(1);
        return text.contains(".") || text.contains("e") || text.contains("E");
    }

    private static String render(ConfigValue v) {
        String r = v.render(ConfigRenderOptions.concise());
        return r.length() > 60 ? r.substring(0, 57) + "..." : r;
    }
}
