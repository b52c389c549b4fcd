package dev.metamorph.core.learn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Named, contiguous groups of one flat parameter vector theta. Meta-learners, the curriculum
 * engine and evaluation address parameters only through this layout (ANIL adapts the head
 * group, unfreezing and per-layer learning rates go by group, EWC weights by group...).
 */
public final class ParamLayout {
    private final List<ParamGroup> groups;
    private final Map<String, ParamGroup> byName;
    private final long size;

    private ParamLayout(List<ParamGroup> groups) {
        this.groups = List.copyOf(groups);
        Map<String, ParamGroup> m = new LinkedHashMap<>();
        long end = 0;
        for (ParamGroup g : groups) {
            if (m.put(g.name(), g) != null) throw new IllegalArgumentException("Duplicate parameter group '" + g.name() + "'");
            if (g.offset() != end) throw new IllegalArgumentException("Parameter group '" + g.name() + "' starts at " + g.offset() + ", expected " + end);
            end = g.end();
        }
        this.byName = Collections.unmodifiableMap(m);
        this.size = end;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Total number of parameters. */
    public long size() {
        return size;
    }

    public List<ParamGroup> groups() {
        return groups;
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public ParamGroup group(String name) {
        ParamGroup g = byName.get(name);
        if (g == null) throw new IllegalArgumentException("No parameter group '" + name + "'; groups are " + byName.keySet());
        return g;
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** A view (no copy) of one group of a flat theta of shape [size] or [1, size], reshaped to the group's shape. */
    public INDArray view(INDArray theta, String name) {
        ParamGroup g = group(name);
        INDArray flat = theta.reshape(theta.length());
        return flat.get(NDArrayIndex.interval(g.offset(), g.end())).reshape('c', g.shapeArray());
    }

    /** A 0/1 vector of length {@link #size()} (dtype of {@code like}) selecting the groups that match. */
    public INDArray mask(Predicate<String> groupSelector, INDArray like) {
        INDArray m = like.ulike().reshape(size).assign(0);
        for (ParamGroup g : groups) {
            if (groupSelector.test(g.name())) m.get(NDArrayIndex.interval(g.offset(), g.end())).assign(1);
        }
        return m;
    }

    /** Groups whose name starts with the prefix, in layout order. */
    public List<ParamGroup> groupsWithPrefix(String prefix) {
        List<ParamGroup> out = new ArrayList<>();
        for (ParamGroup g : groups) if (g.name().startsWith(prefix)) out.add(g);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamLayout p && p.groups.equals(groups);
    }

    @Override
    public int hashCode() {
        return groups.hashCode();
    }

    @Override
    public String toString() {
        return "ParamLayout" + groups;
    }

    /** Appends groups in order; offsets are assigned. */
    public static final class Builder {
        private final List<ParamGroup> groups = new ArrayList<>();
        private long next;

        public Builder add(String name, long... shape) {
            long n = 1;
            List<Long> s = new ArrayList<>();
            for (long d : shape) {
                n *= d;
                s.add(d);
            }
            groups.add(new ParamGroup(name, next, n, s));
            next += n;
            return this;
        }

        public ParamLayout build() {
            return new ParamLayout(groups);
        }
    }
}
