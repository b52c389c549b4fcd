package dev.metamorph.maml;

import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.TaskData;
import java.util.List;

/**
 * Test-time adaptation: K plain SGD steps {@code theta - alpha .* grad L_support} from the
 * meta-learned theta (alpha: inner-lr, ANIL's head-only vector or Meta-SGD's learned rates), then
 * the loss on the task's query batch (for the sinusoid protocol: 100 evenly spaced points).
 *
 * @param <B> batch type
 */
public final class AdaptationEvaluator<B> {
    private final LearnerKernel<B> kernel;
    private final double[] cur;
    private final double[] grad;

    public AdaptationEvaluator(LearnerKernel<B> kernel) {
        this.kernel = kernel;
        this.cur = new double[kernel.size()];
        this.grad = new double[kernel.size()];
    }

    /** Query loss of each task after {@code steps} adaptation steps on its support batch. */
    public double[] queryLosses(double[] theta, double[] alpha, List<TaskData<B>> tasks, int steps) {
        double[] out = new double[tasks.size()];
        for (int t = 0; t < tasks.size(); t++) {
            TaskData<B> task = tasks.get(t);
            System.arraycopy(theta, 0, cur, 0, cur.length);
            for (int s = 0; s < steps; s++) {
                kernel.lossAndGradient(cur, task.support(), grad);
                for (int i = 0; i < cur.length; i++) cur[i] -= alpha[i] * grad[i];
            }
            out[t] = kernel.loss(cur, task.query());
        }
        return out;
    }
}
