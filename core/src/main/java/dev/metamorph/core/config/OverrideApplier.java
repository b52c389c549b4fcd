package dev.metamorph.core.config;

import static dev.metamorph.core.config.ConfigComposer.PEEK;
import static dev.metamorph.core.config.ConfigComposer.capitalized;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies value overrides to a composition in order, as Hydra does, remembering what each one set
 * (for origins) and which keys were added on purpose (not validated against the reference).
 */
final class OverrideApplier {
    private final ConfigComposer composer;

    private Config config;
    private final Set<String> referencePaths;
    private final Set<String> added = new HashSet<>();
    private final Map<String, String> origins = new HashMap<>();

    OverrideApplier(ConfigComposer composer, Config config, Set<String> referencePaths) {
        this.composer = composer;
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
                    throw new ConfigError(capitalized(where) + ": key '" + o.key() + "' already exists (set at " + composer.whereSet(o.key(), peek, origins)
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
                    + " (set at " + composer.whereSet(path, peek, origins) + "), not " + o.value().toHocon() + "; nothing deleted");
        }
    }

    /** Hydra adds a key under missing parents, but not under a value that is not an object. */
    private void requireObjectParent(ConfigOverride o, Config peek, List<String> segments, Probe probe) {
        if (probe.depth() == 0 || probe.parent() instanceof ConfigObject) return;
        String parent = ConfigUtil.joinPath(segments.subList(0, probe.depth()));
        ConfigValue v = probe.parent();
        String what = v.valueType() == ConfigValueType.NULL ? "null" : v.render(ConfigRenderOptions.concise());
        throw new ConfigError(capitalized(o.origin()) + ": cannot add '" + o.key() + "': '" + parent + "' is " + what
                + " (set at " + composer.whereSet(parent, peek, origins) + "), not an object. Replace it with ++" + parent + "={"
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
            throw new ConfigError(capitalized(o.origin()) + ": '" + listPath + "' is a list (set at " + composer.whereSet(listPath, peek, origins)
                    + "); address its items by index, " + listPath + ".<0.." + (list.size() - 1) + ">, or replace it whole with "
                    + listPath + "=[...]");
        }
        int index = item.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(item);
        if (index >= list.size()) {
            throw new ConfigError(capitalized(o.origin()) + ": index " + item + " is out of range for '" + listPath + "', which has "
                    + list.size() + " items (set at " + composer.whereSet(listPath, peek, origins) + ")");
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
