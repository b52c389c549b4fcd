package dev.metamorph.model;

import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Named access to the groups of a flat [P] parameter or gradient vector for the eager pass: ND4J
 * views shaped as the group, Java copies of a group's values, and whole-group writes into a
 * gradient the eager pass owns.
 */
final class ThetaGroups {
    private final Map<String, ParamGroup> groups = new HashMap<>();

    ThetaGroups(ParamLayout layout) {
        for (ParamGroup g : layout.groups()) groups.put(g.name(), g);
    }

    ParamGroup group(String name) {
        ParamGroup g = groups.get(name);
        if (g == null) throw new IllegalStateException("No parameter group '" + name + "' in this layout; known: " + new java.util.TreeSet<>(groups.keySet()));
        return g;
    }

    /** Group {@code name} of a flat [P] vector, shaped as the group (a view). */
    INDArray view(INDArray flat, String name) {
        ParamGroup g = group(name);
        return flat.get(NDArrayIndex.interval(g.offset(), g.end())).reshape('c', g.shapeArray());
    }

    /** Group {@code name} of theta as Java values. */
    double[] values(INDArray theta, String name) {
        return values(theta, name, group(name).length());
    }

    /** The first {@code length} values of group {@code name}. */
    double[] values(INDArray theta, String name, long length) {
        ParamGroup g = group(name);
        return theta.get(NDArrayIndex.interval(g.offset(), g.offset() + length)).toDoubleVector();
    }

    /** Writes a whole group of the gradient. */
    void put(INDArray grad, String name, double[] values) {
        HostArrays.writeAt(grad, group(name).offset(), values);
    }
}
