package dev.metamorph.core.learn;

import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The placeholders a {@link GraphLearner} declared for one split (support or query) of a
 * meta-batch, by role name ("x", "y", "mask", ...). {@code tasks} is the task dimension.
 */
public record GraphInputs(String prefix, int tasks, Map<String, SDVariable> vars) {
    public GraphInputs {
        vars = Map.copyOf(vars);
    }

    public SDVariable get(String role) {
        SDVariable v = vars.get(role);
        if (v == null) throw new IllegalArgumentException("No input '" + role + "' in split '" + prefix + "'; inputs are " + vars.keySet());
        return v;
    }
}
