package dev.metamorph.core.data;

import java.util.List;

/**
 * An N-way K-shot episode: support and query examples with labels remapped to 0..N-1.
 * {@code classes.get(i)} is the original label of class i.
 */
public record Episode<E>(String domain, List<String> classes, List<Labeled<E>> support, List<Labeled<E>> query) {
    public Episode {
        classes = List.copyOf(classes);
        support = List.copyOf(support);
        query = List.copyOf(query);
    }

    public int ways() {
        return classes.size();
    }

    /** An example with its episode-local class index. */
    public record Labeled<E>(E example, int label) {}
}
