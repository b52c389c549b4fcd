package dev.metamorph.maml;

import java.io.Serializable;

/**
 * Makes {@link TaskWorker}s wherever the tasks are computed (a Spark executor). Holds only the
 * recipe (the composed config, the shared data path, small model state such as a tokenizer);
 * a worker builds its learner, graphs and data access from it once and is then reused.
 *
 * @param <D> the task description
 */
public interface TaskWorkers<D> extends Serializable {
    /**
     * Identifies the recipe (a SHA-256 of the config and what else the workers are built from):
     * processes keep their workers by this key between meta-iterations and runs.
     */
    String key();

    /** A new worker (not thread-safe: one per thread at a time). */
    TaskWorker<D> newWorker();
}
