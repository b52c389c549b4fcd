package dev.metamorph.maml;

import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.TaskData;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The meta-objective {@code mean_t L_query(adapt_K(theta))} evaluated through any {@link Learner}'s
 * own {@code lossAndGradient} (K plain SGD steps {@code theta - alpha .* grad}), and its central
 * finite differences over chosen coordinates. For checks of meta-gradients on models without a
 * Java kernel (the attention model); never used in training.
 *
 * @param <B> batch type
 */
public final class LearnerMetaObjective<B> {
    private final Learner<B> learner;

    public LearnerMetaObjective(Learner<B> learner) {
        this.learner = learner;
    }

    /** The meta-objective at theta. */
    public double value(double[] theta, double[] alpha, List<TaskData<B>> tasks, int steps) {
        INDArray a = Nd4j.createFromArray(alpha).castTo(learner.dataType());
        double sum = 0;
        for (TaskData<B> t : tasks) {
            INDArray cur = Nd4j.createFromArray(theta).castTo(learner.dataType());
            for (int k = 0; k < steps; k++) cur = cur.sub(learner.lossAndGradient(cur, t.support()).gradient().reshape(cur.shape()).mul(a));
            sum += learner.loss(cur, t.query());
        }
        return sum / tasks.size();
    }

    /** Central differences of {@link #value} for the coordinates listed in {@code indices}. */
    public double[] finiteDifferences(double[] theta, double[] alpha, List<TaskData<B>> tasks, int steps, int[] indices, double eps) {
        double[] t = theta.clone();
        double[] out = new double[indices.length];
        for (int j = 0; j < indices.length; j++) {
            int i = indices[j];
            double old = t[i];
            t[i] = old + eps;
            double lp = value(t, alpha, tasks, steps);
            t[i] = old - eps;
            double lm = value(t, alpha, tasks, steps);
            t[i] = old;
            out[j] = (lp - lm) / (2 * eps);
        }
        return out;
    }
}
