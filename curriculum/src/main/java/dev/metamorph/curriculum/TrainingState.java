package dev.metamorph.curriculum;

import java.util.Arrays;

/**
 * What a rollback restores: theta (double master copy), the optimiser state and the step within
 * the stage. Mutable; {@link #copy()} takes a snapshot and {@link #restore} returns to one.
 */
public final class TrainingState {
    final double[] theta;
    final FlatOptimizer optimizer;
    int step;

    TrainingState(double[] theta, FlatOptimizer optimizer, int step) {
        this.theta = theta;
        this.optimizer = optimizer;
        this.step = step;
    }

    /** An independent snapshot. */
    public TrainingState copy() {
        return new TrainingState(theta.clone(), optimizer.copy(), step);
    }

    /** Returns this state to {@code s} (bitwise). */
    public void restore(TrainingState s) {
        System.arraycopy(s.theta, 0, theta, 0, theta.length);
        optimizer.restore(s.optimizer);
        step = s.step;
    }

    /** A copy of theta. */
    public double[] theta() {
        return theta.clone();
    }

    /** The step within the stage. */
    public int step() {
        return step;
    }

    /** Bitwise equality of theta, optimiser state and step. */
    public boolean sameAs(TrainingState s) {
        return step == s.step && Arrays.equals(theta, s.theta) && optimizer.sameState(s.optimizer);
    }
}
