package dev.metamorph.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.metamorph.core.config.DefaultsList.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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
    private static final ConfigResolveOptions PEEK = RESOLVE.setAllowUnresolved(true);

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

        OverrideApplier applier = new OverrideApplier(acc, validator.referencePaths());
        for (ConfigOverride o : valueOverrides) applier.apply(o);
        acc = applier.config();

        Config resolved;
        try {
            resolved = acc.resolve(RESOLVE);
        } catch (ConfigException.UnresolvedSubstitution e) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{\\??([^}]*)}").matcher(e.getMessage());
            String hint = m.find() ? KeySuggester.hint(m.group(1), ConfigValidator.allPaths(acc.resolve(PEEK).root())) : "";
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
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
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

    private String whereSet(String path, Config resolved, Map<String, String> overrideOrigins) {
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

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Applies value overrides to a composition in order, remembering what each one set. */
    private final class OverrideApplier {
        private Config config;
        private final Set<String> referencePaths;
        private final Set<String> added = new HashSet<>();
        private final Map<String, String> origins = new HashMap<>();

        OverrideApplier(Config config, Set<String> referencePaths) {
            this.config = config;
            this.referencePaths = referencePaths;
        }

        Config config() {
            return config;
        }

        Set<String> added() {
            return added;
        }

        Map<String, String> origins() {
            return origins;
        }

        void apply(ConfigOverride o) {
            Config peek = config.resolve(PEEK);
            List<String> segments = ConfigUtil.splitPath(o.key());
            Probe probe = probe(peek, segments);
            if (probe.listItem()) {
                applyToListItem(o, peek, segments, probe);
                return;
            }
            boolean exists = probe.exists();
            String where = o.origin();
            switch (o.kind()) {
                case SET -> {
                    if (!exists) throw unknownKey(o, peek);
                    set(o, segments, probe);
                }
                case ADD -> {
                    // Hydra: + on an existing key is an error unless the key holds null or the value is a map or list
                    boolean holdsNull = exists && peek.getIsNull(o.key());
                    boolean container = o.value() instanceof OverrideValue.Mapping || o.value() instanceof OverrideValue.Sequence;
                    if (exists && !holdsNull && !container) {
                        throw new ConfigError(capitalized(where) + ": key '" + o.key() + "' already exists (set at " + whereSet(o.key(), peek, origins)
                                + "); use " + o.key() + "=<value> to change it, or ++" + o.key() + "=<value> to add or replace");
                    }
                    if (exists) {
                        addNewKeysOfMap(o, peek);
                        set(o, segments, probe);
                    } else {
                        requireObjectParent(o, peek, segments, probe);
                        added.add(set(o, segments, probe));
                    }
                }
                case FORCE_ADD -> {
                    if (!exists) requireObjectParent(o, peek, segments, probe);
                    else addNewKeysOfMap(o, peek);
                    String created = set(o, segments, probe);
                    if (!exists) added.add(created);
                }
                case DELETE -> {
                    if (!exists) throw unknownKey(o, peek);
                    if (o.value() != null) {
                        boolean isNull = peek.getIsNull(o.key());
                        checkDeletedValue(o, peek, o.key(), isNull ? null : peek.getValue(o.key()).unwrapped(),
                                isNull ? "null" : peek.getValue(o.key()).render());
                    }
                    config = config.withoutPath(o.key());
                    origins.keySet().removeIf(k -> k.equals(o.key()) || k.startsWith(o.key() + "."));
                }
            }
        }

        private void checkDeletedValue(ConfigOverride o, Config peek, String path, Object have, String rendered) {
            Config wanted = ConfigFactory.parseString("v = " + o.value().toHocon(), ConfigParseOptions.defaults().setOriginDescription(o.origin()));
            Object want = wanted.withFallback(peek).resolve(PEEK).getValue("v").unwrapped();
            if (!sameValue(have, want)) {
                throw new ConfigError(capitalized(o.origin()) + ": '" + o.key() + "' is " + (have == null ? "null" : rendered)
                        + " (set at " + whereSet(path, peek, origins) + "), not " + o.value().toHocon() + "; nothing deleted");
            }
        }

        /** Hydra adds a key under missing parents, but not under a value that is not an object. */
        private void requireObjectParent(ConfigOverride o, Config peek, List<String> segments, Probe probe) {
            if (probe.depth() == 0 || probe.parent() instanceof ConfigObject) return;
            String parent = ConfigUtil.joinPath(segments.subList(0, probe.depth()));
            ConfigValue v = probe.parent();
            String what = v.valueType() == ConfigValueType.NULL ? "null" : v.render(ConfigRenderOptions.concise());
            throw new ConfigError(capitalized(o.origin()) + ": cannot add '" + o.key() + "': '" + parent + "' is " + what
                    + " (set at " + whereSet(parent, peek, origins) + "), not an object. Replace it with ++" + parent + "={"
                    + segments.get(probe.depth()) + ":...} or choose another key.");
        }

        /**
         * Sets the override's value. Parents that do not exist are created from the override's own text,
         * so every new object's origin is the override as typed. Returns the top-most path it wrote
         * (the key itself when only the leaf was new or the key existed).
         */
        private String set(ConfigOverride o, List<String> segments, Probe probe) {
            int first = Math.min(probe.depth(), segments.size() - 1); // the first segment that may be missing
            String top = ConfigUtil.joinPath(segments.subList(0, first + 1));
            String rest = first + 1 < segments.size() ? ConfigUtil.joinPath(segments.subList(first + 1, segments.size())) : null;
            String text = (rest == null ? "v" : "v." + rest) + " = " + o.value().toHocon();
            ConfigValue v = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(o.origin())).root().get("v");
            ConfigObject existing = probe.exists() ? existingObject(o.key()) : null;
            boolean merge = existing != null && v instanceof ConfigObject;
            if (merge) v = ((ConfigObject) v).withFallback(existing); // Hydra merges a map into a map (OmegaConf.update(merge=True))
            try {
                config = config.withValue(top, v);
            } catch (ConfigException e) {
                throw new ConfigError(capitalized(o.origin()) + ": cannot set '" + o.key() + "': " + e.getMessage(), e);
            }
            if (merge) {
                for (String leaf : ConfigValidator.allPaths(((ConfigObject) ConfigFactory.parseString("v = " + o.value().toHocon()).root().get("v")))) {
                    String path = o.key() + "." + leaf;
                    origins.keySet().removeIf(k -> k.startsWith(path + "."));
                    origins.put(path, o.origin());
                }
                return top;
            }
            origins.keySet().removeIf(k -> k.startsWith(top + "."));
            origins.put(top, o.origin());
            origins.put(o.key(), o.origin());
            return top;
        }

        /** + and ++ with a map merged into an existing object add its new keys on purpose: they are not validated. */
        private void addNewKeysOfMap(ConfigOverride o, Config peek) {
            if (!(o.value() instanceof OverrideValue.Mapping) || existingObject(o.key()) == null) return;
            ConfigObject given = (ConfigObject) ConfigFactory.parseString("v = " + o.value().toHocon()).root().get("v");
            for (String sub : ConfigValidator.allPaths(given)) {
                String path = o.key() + "." + sub;
                if (!probe(peek, ConfigUtil.splitPath(path)).exists()) added.add(path);
            }
        }

        /** The unresolved object at an existing key, or null when it holds something else (or cannot be read before resolving). */
        private ConfigObject existingObject(String key) {
            try {
                ConfigValue v = config.getValue(key);
                return v.valueType() == ConfigValueType.OBJECT ? (ConfigObject) v : null;
            } catch (ConfigException e) {
                return null;
            }
        }

        /** {@code list.N=value} replaces item N, {@code ~list.N} removes it (OmegaConf's list indexing, as in Hydra). */
        private void applyToListItem(ConfigOverride o, Config peek, List<String> segments, Probe probe) {
            String listPath = ConfigUtil.joinPath(segments.subList(0, probe.depth()));
            ConfigList list = (ConfigList) probe.parent();
            String item = segments.get(probe.depth());
            if (probe.depth() != segments.size() - 1 || !item.matches("\\d+")) {
                throw new ConfigError(capitalized(o.origin()) + ": '" + listPath + "' is a list (set at " + whereSet(listPath, peek, origins)
                        + "); address its items by index, " + listPath + ".<0.." + (list.size() - 1) + ">, or replace it whole with "
                        + listPath + "=[...]");
            }
            int index = item.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(item);
            if (index >= list.size()) {
                throw new ConfigError(capitalized(o.origin()) + ": index " + item + " is out of range for '" + listPath + "', which has "
                        + list.size() + " items (set at " + whereSet(listPath, peek, origins) + ")");
            }
            if (o.kind() == ConfigOverride.Kind.ADD) {
                throw new ConfigError(capitalized(o.origin()) + ": item " + index + " of '" + listPath + "' already exists; use "
                        + o.key() + "=<value> to change it");
            }
            List<ConfigValue> items = new ArrayList<>(list);
            if (o.kind() == ConfigOverride.Kind.DELETE) {
                if (o.value() != null) checkDeletedValue(o, peek, listPath, items.get(index).unwrapped(), items.get(index).render());
                items.remove(index);
            } else {
                items.set(index, ConfigFactory.parseString("v = " + o.value().toHocon(),
                        ConfigParseOptions.defaults().setOriginDescription(o.origin())).root().get("v"));
            }
            config = config.withValue(listPath, ConfigValueFactory.fromIterable(items, o.origin()));
            origins.keySet().removeIf(k -> k.startsWith(listPath + "."));
            origins.put(listPath, o.origin());
        }

        private ConfigError unknownKey(ConfigOverride o, Config peek) {
            Set<String> candidates = new HashSet<>(referencePaths);
            candidates.addAll(ConfigValidator.allPaths(peek.root()));
            return new ConfigError("Unknown key '" + o.key() + "' in " + o.origin() + ": it is not in the composed config"
                    + KeySuggester.hint(o.key(), candidates) + " To add a new key on purpose write +" + o.key() + "=<value>.");
        }
    }

    /**
     * How far a key's path exists in a composition.
     *
     * @param depth    how many leading segments exist (all of them when {@code exists})
     * @param parent   the value at the deepest existing proper prefix; null at the root
     * @param exists   whether the whole path exists (a null value counts, an unresolved one too)
     * @param listItem whether the path runs into a list at {@code depth} (an item by index)
     */
    private record Probe(int depth, ConfigValue parent, boolean exists, boolean listItem) {}

    private static Probe probe(Config peek, List<String> segments) {
        ConfigValue at = peek.root();
        ConfigValue parent = null;
        for (int i = 0; i < segments.size(); i++) {
            ConfigValueType type;
            try {
                type = at.valueType();
            } catch (ConfigException.NotResolved e) {
                return new Probe(segments.size(), parent, true, false);
            }
            if (type == ConfigValueType.LIST) return new Probe(i, at, false, true);
            if (type != ConfigValueType.OBJECT) return new Probe(i, at, false, false);
            ConfigValue child = ((ConfigObject) at).get(segments.get(i));
            if (child == null) return new Probe(i, i == 0 ? null : at, false, false);
            parent = at;
            at = child;
        }
        return new Probe(segments.size(), parent, true, false);
    }

    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!sameValue(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!x.keySet().equals(y.keySet())) return false;
            for (Object k : x.keySet()) if (!sameValue(x.get(k), y.get(k))) return false;
            return true;
        }
        return java.util.Objects.equals(a, b);
    }
}
