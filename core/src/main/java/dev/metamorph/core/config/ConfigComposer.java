package dev.metamorph.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import dev.metamorph.core.config.DefaultsList.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Composes the configuration as Hydra does, on Typesafe Config. Layers, each merged over the
 * previous one: every module's {@code reference.conf}; then, in the order of
 * {@code configs/config.conf}'s {@code defaults} list, each group's option file
 * ({@code configs/<group>/<option>.conf}, keys relative to the group's namespace unless the file
 * starts with {@code # @package _global_} or {@code # @package some.path}) and config.conf's own
 * keys at {@code _self_} (last when not listed); then the experiment
 * ({@code configs/experiment/<name>.conf}, global keys; its own {@code defaults} change group
 * choices); then the command-line overrides. The result is resolved and validated against the
 * reference defaults (unknown keys, types).
 */
public final class ConfigComposer {
    /** The group whose options are experiments (global keys, composed last). */
    public static final String EXPERIMENT = "experiment";
    private static final ConfigResolveOptions RESOLVE = ConfigResolveOptions.defaults().setUseSystemEnvironment(false);
    static final ConfigResolveOptions PEEK = RESOLVE.setAllowUnresolved(true);

    private final Path projectRoot;
    private final Path configDir;
    private final Config reference;
    private final ConfigValidator validator;

    /**
     * @param projectRoot folder that relative paths resolve against
     * @param configDir   the {@code configs/} folder (relative: against projectRoot)
     * @param reference   unresolved defaults of all modules, usually {@link ConfigFactory#defaultReferenceUnresolved()}
     */
    public ConfigComposer(Path projectRoot, Path configDir, Config reference) {
        this.projectRoot = projectRoot.toAbsolutePath().normalize();
        this.configDir = this.projectRoot.resolve(configDir).normalize();
        this.reference = reference;
        Config peek = reference.resolve(PEEK);
        Set<String> open = new HashSet<>();
        if (peek.hasPath("config.open-maps")) open.addAll(peek.getStringList("config.open-maps"));
        this.validator = new ConfigValidator(peek, open, this.projectRoot);
    }

    /** A composer for {@code <projectRoot>/configs} over the classpath's reference.conf files. */
    public static ConfigComposer forProject(Path projectRoot) {
        return new ConfigComposer(projectRoot, Paths.get("configs"), ConfigFactory.defaultReferenceUnresolved());
    }

    /** The project root: system property {@code metamorph.root}, else the working directory. */
    public static Path projectRoot() {
        String p = System.getProperty("metamorph.root");
        return (p == null || p.isBlank() ? Paths.get("") : Paths.get(p)).toAbsolutePath().normalize();
    }

    public Path projectRootDir() {
        return projectRoot;
    }

    public Path configDir() {
        return configDir;
    }

    /** Groups (sub-folders of configs/) and their options (file names without .conf), sorted. */
    public Map<String, List<String>> groups() {
        requireConfigDir();
        Map<String, List<String>> out = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(configDir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(d)) {
                    out.put(d.getFileName().toString(), files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".conf"))
                            .map(n -> n.substring(0, n.length() - 5)).sorted().toList());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + configDir + ": " + e.getMessage(), e);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Parses the overrides as typed and composes. */
    public Composition compose(List<String> overridesAsTyped) {
        return composeParsed(OverrideParser.parseAll(overridesAsTyped));
    }

    /** Composes with already parsed overrides (none may be a sweep). */
    public Composition composeParsed(List<ConfigOverride> overrides) {
        for (ConfigOverride o : overrides) {
            if (o.isSweep()) {
                throw new ConfigError(capitalized(o.origin()) + " is a sweep over " + ((OverrideValue.Sweep) o.value()).options().size()
                        + " values; run with -m/--multirun to launch one job per value, or quote the value if the commas belong to a string");
            }
        }
        Path primaryFile = requireConfigDir().resolve("config.conf");
        Config primary = parse(primaryFile);
        Map<String, List<String>> groups = groups();
        List<Entry> slots = new ArrayList<>(DefaultsList.read(primary, projectRoot));
        for (Entry e : slots) {
            if (!e.isSelf()) checkOption(e.group(), e.option(), groups, "the defaults list (" + e.where() + ")");
        }
        List<ConfigOverride> valueOverrides = new ArrayList<>();
        Set<String> chosenOnCommandLine = new HashSet<>();
        for (ConfigOverride o : overrides) {
            if (!o.key().contains(".") && (groups.containsKey(o.key()) || o.key().equals(EXPERIMENT))) {
                applyGroupOverride(o, slots, groups);
                chosenOnCommandLine.add(o.key());
            } else {
                valueOverrides.add(o);
            }
        }
        // the experiment goes last; its own defaults change group choices
        Entry experiment = slots.stream().filter(e -> e.group().equals(EXPERIMENT)).findFirst().orElse(null);
        if (experiment != null) {
            slots.remove(experiment);
            if (experiment.option() != null) {
                Config expFile = parse(optionFile(EXPERIMENT, experiment.option()));
                for (Entry e : DefaultsList.read(expFile, projectRoot)) {
                    if (e.isSelf() || chosenOnCommandLine.contains(e.group())) continue;
                    if (e.group().equals(EXPERIMENT)) throw new ConfigError("An experiment cannot choose another experiment (" + e.where() + ")");
                    checkOption(e.group(), e.option(), groups, "experiment '" + experiment.option() + "' (" + e.where() + ")");
                    int i = indexOf(slots, e.group());
                    if (i >= 0) slots.set(i, e);
                    else slots.add(e);
                }
            }
        }
        if (slots.stream().noneMatch(Entry::isSelf)) slots.add(new Entry(DefaultsList.SELF, null, "implicit"));
        if (experiment != null) slots.add(experiment);

        Config acc = reference;
        Map<String, String> choices = new LinkedHashMap<>();
        for (Entry e : slots) {
            if (e.isSelf()) {
                acc = primary.withoutPath("defaults").withFallback(acc);
                continue;
            }
            choices.put(e.group(), e.option());
            if (e.option() == null) continue;
            Path file = optionFile(e.group(), e.option());
            Config content = parse(file);
            if (!e.group().equals(EXPERIMENT) && content.hasPathOrNull("defaults")) {
                throw new ConfigError("Group option file " + Origins.relative(file, projectRoot)
                        + " has a defaults list; only config.conf and experiments may choose groups");
            }
            content = content.withoutPath("defaults");
            String pkg = packageOf(file, e.group().equals(EXPERIMENT) ? "_global_" : e.group());
            acc = (pkg.equals("_global_") ? content : content.atPath(pkg)).withFallback(acc);
        }

        OverrideApplier applier = new OverrideApplier(this, acc, validator.referencePaths());
        for (ConfigOverride o : valueOverrides) applier.apply(o);
        acc = applier.config();

        Config resolved;
        try {
            resolved = acc.resolve(RESOLVE);
        } catch (ConfigException.UnresolvedSubstitution e) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{\\??([^}]*)}").matcher(e.getMessage());
            String hint;
            try {
                hint = m.find() ? KeySuggester.hint(m.group(1), ConfigValidator.allPaths(acc.resolve(PEEK).root())) : "";
            } catch (ConfigException cycle) {
                hint = " (the substitutions form a cycle: a key that refers to itself, directly or through others)";
            }
            throw new ConfigError("Cannot resolve an interpolation: " + cleanMessage(e) + hint, e);
        } catch (ConfigException e) {
            throw new ConfigError("Cannot resolve the composed config: " + cleanMessage(e), e);
        }
        Map<String, String> overrideOrigins = applier.origins();
        java.util.function.Function<String, String> whereSet = path -> whereSet(path, resolved, overrideOrigins);
        validator.validate(resolved, applier.added(), whereSet);

        List<String> namespaces = new ArrayList<>();
        for (String top : resolved.root().keySet()) {
            if (isProjectNamespace(resolved.root().get(top))) namespaces.add(top);
        }
        Config projectResolved = restrict(resolved, namespaces);
        Config projectUnresolved;
        try {
            projectUnresolved = restrict(acc, namespaces);
        } catch (ConfigException e) {
            projectUnresolved = projectResolved;
        }
        Map<String, String> origins = new TreeMap<>();
        for (var leaf : projectResolved.entrySet()) origins.put(leaf.getKey(), whereSet.apply(leaf.getKey()));
        return new Composition(projectResolved, projectUnresolved, Collections.unmodifiableMap(choices), List.copyOf(overrides),
                Collections.unmodifiableMap(origins));
    }

    private void applyGroupOverride(ConfigOverride o, List<Entry> slots, Map<String, List<String>> groups) {
        String group = o.key();
        String option = null;
        if (o.value() != null) {
            if (!(o.value() instanceof OverrideValue.Primitive p) || (p.value() != null && !(p.value() instanceof String))) {
                throw new ConfigError(capitalized(o.origin()) + ": '" + group + "' is a config group, so its value must be an option name ("
                        + String.join(", ", groups.getOrDefault(group, List.of())) + "); to set a key inside it write " + group + ".<key>=<value>");
            }
            option = (String) p.value();
        }
        int i = indexOf(slots, group);
        String where = o.origin();
        switch (o.kind()) {
            case SET -> {
                if (i < 0 && !group.equals(EXPERIMENT)) {
                    throw new ConfigError(capitalized(where) + ": group '" + group + "' is not in the defaults list of "
                            + Origins.relative(configDir.resolve("config.conf"), projectRoot) + "; use +" + group + "=<option> to add it");
                }
                checkOption(group, option, groups, where);
                put(slots, i, new Entry(group, option, where));
            }
            case ADD -> {
                if (i >= 0 && slots.get(i).option() != null) {
                    throw new ConfigError(capitalized(where) + ": group '" + group + "' is already chosen (" + group + ": " + slots.get(i).option()
                            + " at " + slots.get(i).where() + "); use " + group + "=<option> to change it, or ++" + group + "=<option>");
                }
                checkOption(group, option, groups, where);
                put(slots, i, new Entry(group, option, where));
            }
            case FORCE_ADD -> {
                checkOption(group, option, groups, where);
                put(slots, i, new Entry(group, option, where));
            }
            case DELETE -> {
                if (i < 0) {
                    throw new ConfigError(capitalized(where) + ": group '" + group + "' is not in the defaults list, so it cannot be deleted");
                }
                if (o.value() != null && !java.util.Objects.equals(option, slots.get(i).option())) {
                    throw new ConfigError(capitalized(where) + ": group '" + group + "' is '" + slots.get(i).option() + "' (" + slots.get(i).where()
                            + "), not '" + option + "'; nothing deleted");
                }
                slots.remove(i);
            }
        }
    }

    private static void put(List<Entry> slots, int i, Entry e) {
        if (i >= 0) slots.set(i, e);
        else slots.add(e);
    }

    private static int indexOf(List<Entry> slots, String group) {
        for (int i = 0; i < slots.size(); i++) if (slots.get(i).group().equals(group)) return i;
        return -1;
    }

    private void checkOption(String group, String option, Map<String, List<String>> groups, String where) {
        if (!groups.containsKey(group)) {
            throw new ConfigError("Unknown config group '" + group + "' in " + where + ": there is no folder "
                    + Origins.relative(configDir.resolve(group), projectRoot) + "/" + KeySuggester.hint(group, groups.keySet())
                    + " Groups: " + String.join(", ", groups.keySet()) + ".");
        }
        if (option != null && !groups.get(group).contains(option)) {
            List<String> available = groups.get(group);
            throw new ConfigError("Unknown option '" + option + "' for group '" + group + "' in " + where + "; available: "
                    + (available.isEmpty() ? "(none)" : String.join(", ", available)) + KeySuggester.hint(option, available)
                    + " (options are the files " + Origins.relative(configDir.resolve(group), projectRoot) + "/<option>.conf)");
        }
    }

    private Path optionFile(String group, String option) {
        return configDir.resolve(group).resolve(option + ".conf");
    }

    private Path requireConfigDir() {
        Path primary = configDir.resolve("config.conf");
        if (!Files.isRegularFile(primary)) {
            String rootFrom = System.getProperty("metamorph.root") != null ? "system property metamorph.root" : "the working directory";
            throw new ConfigError("No configuration found: looked for " + primary + " (project root " + projectRoot + ", from " + rootFrom
                    + "). Run from the project root, set -Dmetamorph.root=<project root>, or pass --config-dir <folder holding config.conf>.");
        }
        return configDir;
    }

    private Config parse(Path file) {
        try {
            String text = Files.readString(file);
            HoconDepth.TooDeep deep = HoconDepth.check(text, HoconDepth.MAX_DEPTH);
            if (deep != null) throw new ConfigError(HoconDepth.message(Origins.relative(file, projectRoot) + ":" + deep.line(), deep, HoconDepth.MAX_DEPTH));
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (IOException e) {
            throw new ConfigError("Cannot read " + Origins.relative(file, projectRoot) + ": " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw new ConfigError("Cannot read " + Origins.relative(file, projectRoot) + ": " + cleanMessage(e), e);
        }
    }

    /** The package of an option file: a {@code # @package X} line at its top, else the default. */
    private static String packageOf(Path file, String defaultPackage) {
        try {
            for (String line : Files.readAllLines(file)) {
                String t = line.strip();
                if (t.isEmpty()) continue;
                if (!t.startsWith("#") && !t.startsWith("//")) break;
                String body = t.replaceFirst("^(#|//)\\s*", "");
                if (body.startsWith("@package")) {
                    String pkg = body.substring("@package".length()).strip();
                    return pkg.equals("_group_") ? defaultPackage : pkg;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return defaultPackage;
    }

    private boolean isProjectNamespace(ConfigValue v) {
        if (Origins.isProject(v.origin(), projectRoot)) return true;
        if (v instanceof ConfigObject obj) {
            for (ConfigValue child : obj.values()) if (isProjectNamespace(child)) return true;
        }
        return false;
    }

    private static Config restrict(Config c, List<String> namespaces) {
        Config out = ConfigFactory.empty();
        for (String ns : namespaces) out = out.withValue(ConfigUtil.joinPath(ns), c.root().get(ns));
        return out;
    }

    String whereSet(String path, Config resolved, Map<String, String> overrideOrigins) {
        List<String> parts = ConfigUtil.splitPath(path);
        for (int n = parts.size(); n > 0; n--) {
            String prefix = ConfigUtil.joinPath(parts.subList(0, n));
            if (overrideOrigins.containsKey(prefix)) return overrideOrigins.get(prefix);
        }
        try {
            return Origins.format(resolved.getValue(path).origin(), projectRoot);
        } catch (ConfigException e) {
            return "unknown origin";
        }
    }

    static String cleanMessage(ConfigException e) {
        return e.getMessage();
    }

    static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
