package dev.metamorph.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@code defaults} list: {@code defaults = [ { dataset: definitions }, { maml: default }, _self_ ]}.
 * An entry is {@code _self_} (where the file's own keys go) or a one-key object naming a group and
 * its option ({@code null} for none); {@code "override maml": fomaml} is accepted too, as in Hydra.
 */
final class DefaultsList {
    /** {@code _self_}. */
    static final String SELF = "_self_";

    /**
     * One entry.
     *
     * @param group  group name, or {@link #SELF}
     * @param option chosen option, or {@code null} for none
     * @param where  file:line of the entry
     */
    record Entry(String group, String option, String where) {
        boolean isSelf() {
            return SELF.equals(group);
        }
    }

    private DefaultsList() {}

    static List<Entry> read(Config file, Path projectRoot) {
        if (!file.hasPathOrNull("defaults")) return List.of();
        ConfigValue list = file.root().get("defaults");
        String listWhere = Origins.format(list.origin(), projectRoot);
        if (list.valueType() != ConfigValueType.LIST) {
            throw new ConfigError("'defaults' at " + listWhere + " must be a list like [ { maml: default }, _self_ ], found " + list.valueType().name().toLowerCase());
        }
        List<Entry> out = new ArrayList<>();
        for (ConfigValue v : (Iterable<ConfigValue>) ((com.typesafe.config.ConfigList) list)) {
            String where = Origins.format(v.origin(), projectRoot);
            if (v.valueType() == ConfigValueType.STRING && SELF.equals(v.unwrapped())) {
                out.add(new Entry(SELF, null, where));
            } else if (v instanceof ConfigObject obj && obj.size() == 1) {
                String rawKey = obj.keySet().iterator().next();
                ConfigValue option = obj.get(rawKey);
                String stripped = rawKey.startsWith("override ") ? rawKey.substring("override ".length()).strip() : rawKey;
                String group = stripped.startsWith("/") ? stripped.substring(1) : stripped;
                if (option.valueType() != ConfigValueType.STRING && option.valueType() != ConfigValueType.NULL) {
                    throw new ConfigError("Bad defaults entry at " + where + ": the option of group '" + group + "' must be a name or null, found " + option.render());
                }
                if (out.stream().anyMatch(e -> e.group().equals(group))) {
                    throw new ConfigError("Group '" + group + "' appears twice in the defaults list (" + where + "); keep one entry");
                }
                out.add(new Entry(group, option.valueType() == ConfigValueType.NULL ? null : (String) option.unwrapped(), where));
            } else {
                throw new ConfigError("Bad defaults entry at " + where + ": expected _self_ or { group: option }, found " + v.render());
            }
        }
        if (out.stream().filter(Entry::isSelf).count() > 1) throw new ConfigError("_self_ appears twice in the defaults list at " + listWhere);
        return out;
    }
}
