package dev.metamorph.pipeline;

import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.maml.MetaTrainingLoop;
import dev.metamorph.model.TokenBatch;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Meta-validation accuracy, the score {@code maml.select = best-val} keeps theta by for
 * classification: each fixed meta-val task adapts theta with the meta-training inner loop
 * ({@code steps} steps of {@code theta - alpha .* grad} on its support batch), then the query
 * batch's loss rows are classified by their largest logit. Returns the fraction correct over all
 * tasks (every task has the same number of query rows, so this is also the mean over tasks).
 */
final class MetaValAccuracy implements MetaTrainingLoop.ValidationScore {
    private final Learner<TokenBatch> learner;
    private final List<TaskData<TokenBatch>> tasks;
    private final int steps;

    /** @param learner used on the calling thread only (pass one that no other thread uses) */
    MetaValAccuracy(Learner<TokenBatch> learner, List<TaskData<TokenBatch>> tasks, int steps) {
        this.learner = learner;
        this.tasks = List.copyOf(tasks);
        this.steps = steps;
    }

    @Override
    public double score(double[] theta, double[] alpha) {
        DataType dt = learner.dataType();
        INDArray a = Nd4j.createFromArray(alpha).castTo(dt);
        long correct = 0, total = 0;
        for (TaskData<TokenBatch> task : tasks) {
            INDArray t = Nd4j.createFromArray(theta).castTo(dt);
            for (int s = 0; s < steps; s++) t.subi(learner.lossAndGradient(t, task.support()).gradient().reshape(t.shape()).mul(a));
            TokenBatch q = task.query();
            INDArray logits = learner.predict(t, q);
            for (int r = 0; r < q.size(); r++) {
                if (!q.isLossRow(r)) continue;
                total++;
                if (argmax(logits, r) == q.label(r)) correct++;
            }
        }
        return total == 0 ? Double.NaN : correct / (double) total;
    }

    private static int argmax(INDArray logits, int row) {
        int best = 0;
        for (int c = 1; c < logits.size(1); c++) if (logits.getDouble(row, c) > logits.getDouble(row, best)) best = c;
        return best;
    }
}
