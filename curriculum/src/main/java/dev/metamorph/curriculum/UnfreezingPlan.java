package dev.metamorph.curriculum;

import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The units of gradual unfreezing resolved against a learner's {@link ParamLayout}: unit 0 is the
 * top of the network. Each unit owns the groups whose name starts with its prefix (a group belongs
 * to the first unit that matches it); it trains at {@code lr * decay^unit} once unfrozen.
 */
public final class UnfreezingPlan {
    private static final Logger LOG = LoggerFactory.getLogger(UnfreezingPlan.class);

    /** One unit: its prefix, its groups (layout order) and their contiguous ranges of theta. */
    public record Unit(String prefix, List<ParamGroup> groups, List<long[]> ranges) {
        public Unit {
            groups = List.copyOf(groups);
            ranges = List.copyOf(ranges);
        }

        /** Names of the unit's groups. */
        public List<String> groupNames() {
            return groups.stream().map(ParamGroup::name).toList();
        }
    }

    private final List<Unit> units;
    private final List<String> frozenGroups;
    private final CurriculumConfig config;

    private UnfreezingPlan(List<Unit> units, List<String> frozenGroups, CurriculumConfig config) {
        this.units = List.copyOf(units);
        this.frozenGroups = List.copyOf(frozenGroups);
        this.config = config;
    }

    /**
     * Resolves the configured prefixes (or, when {@code curriculum.unfreeze.units} is empty, one unit
     * per first name component of the layout's groups, last-declared first).
     *
     * @throws IllegalArgumentException if a prefix matches no group (the message lists the layout's
     *     group names) or only groups an earlier unit already owns
     */
    public static UnfreezingPlan resolve(CurriculumConfig config, ParamLayout layout) {
        List<String> prefixes = config.unfreeze().units().isEmpty() ? defaultPrefixes(layout) : config.unfreeze().units();
        Set<String> claimed = new LinkedHashSet<>();
        List<Unit> units = new ArrayList<>();
        for (String prefix : prefixes) {
            List<ParamGroup> matching = layout.groupsWithPrefix(prefix);
            if (matching.isEmpty()) {
                throw new IllegalArgumentException("curriculum.unfreeze.units: prefix '" + prefix + "' matches no parameter group of the learner; its groups are "
                        + layout.names() + ". Use prefixes of these names (top of the network first), or [] to derive the units from the layout.");
            }
            List<ParamGroup> own = new ArrayList<>();
            for (ParamGroup g : matching) if (claimed.add(g.name())) own.add(g);
            if (own.isEmpty()) {
                throw new IllegalArgumentException("curriculum.unfreeze.units: prefix '" + prefix + "' matches only groups that an earlier prefix already owns ("
                        + matching.stream().map(ParamGroup::name).toList() + "); remove it or order the prefixes from the most specific.");
            }
            units.add(new Unit(prefix, own, ranges(own)));
        }
        List<String> frozen = layout.names().stream().filter(n -> !claimed.contains(n)).toList();
        if (!frozen.isEmpty()) LOG.warn("curriculum.unfreeze.units {} leave these groups frozen in every stage: {}", prefixes, frozen);
        return new UnfreezingPlan(units, frozen, config);
    }

    /** One prefix per first name component ("block0." for "block0.attn.wq"), last-declared first. */
    static List<String> defaultPrefixes(ParamLayout layout) {
        Set<String> firsts = new LinkedHashSet<>();
        for (String name : layout.names()) {
            int dot = name.indexOf('.');
            firsts.add(dot < 0 ? name : name.substring(0, dot + 1));
        }
        List<String> out = new ArrayList<>(firsts);
        Collections.reverse(out);
        return out;
    }

    private static List<long[]> ranges(List<ParamGroup> groups) {
        List<long[]> out = new ArrayList<>();
        for (ParamGroup g : groups) {
            long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last[0] + last[1] == g.offset()) last[1] += g.length();
            else out.add(new long[] {g.offset(), g.length()});
        }
        return out;
    }

    public List<Unit> units() {
        return units;
    }

    /** Groups that no unit owns (never trained). */
    public List<String> frozenGroups() {
        return frozenGroups;
    }

    /** How many units train in stage {@code stage}. */
    public int trainableUnits(int stage) {
        return Math.min(config.trainableUnits(stage), units.size());
    }

    /** Prefixes of the units that train in stage {@code stage}, top first. */
    public List<String> trainablePrefixes(int stage) {
        return units.subList(0, trainableUnits(stage)).stream().map(Unit::prefix).toList();
    }

    /** Learning rate of unit {@code u}: {@code lr * layer-lr-decay^u}. */
    public double unitRate(int u) {
        return config.lr() * Math.pow(config.layerLrDecay(), u);
    }

    /** Per-unit rates of stage {@code stage} (0 for frozen units). */
    public double[] rates(int stage) {
        double[] r = new double[units.size()];
        int n = trainableUnits(stage);
        for (int u = 0; u < n; u++) r[u] = unitRate(u);
        return r;
    }
}
