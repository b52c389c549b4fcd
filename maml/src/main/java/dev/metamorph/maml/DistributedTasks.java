package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import java.io.Serializable;

/**
 * A task family whose meta-gradients can be computed away from the training loop: the driver
 * {@linkplain #describe describes} each task (generator states, record ids: never data), and
 * {@linkplain #workers() workers}, rebuilt wherever the computation runs, turn a description back
 * into the task and compute its meta-gradient.
 *
 * @param <D> the task description (small and serializable)
 */
public interface DistributedTasks<D extends Serializable> {
    /**
     * Describes the next task, advancing {@code rng} exactly as the in-process sampler does when
     * it draws that task; the description resolves to bitwise the task that sampler would give.
     */
    D describe(SeededRandom rng);

    /** The recipe workers are made from (serializable: it travels to executors). */
    TaskWorkers<D> workers();
}
