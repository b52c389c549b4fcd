package dev.metamorph.curriculum;

import java.util.Arrays;

/**
 * SGD with momentum or Adam over a flat double theta, applied unit by unit: a unit with rate 0
 * is frozen (neither its parameters nor its optimiser state change). Adam counts steps per unit,
 * so a unit unfrozen late gets the usual bias correction from its own first step.
 *
 * <p>SGD: {@code v = momentum * v + g; theta -= rate * multiplier * v}. Adam:
 * {@code m = b1 m + (1-b1) g; s = b2 s + (1-b2) g^2; theta -= rate * multiplier * m^ / (sqrt(s^) + eps)}
 * with {@code m^, s^} bias-corrected by the unit's step count. The state is plain arrays so a
 * checkpoint restores it bitwise.
 */
public final class FlatOptimizer {
    private final CurriculumConfig.OptimizerKind kind;
    private final double momentum;
    private final CurriculumConfig.Adam adam;
    private final double[] first;
    private final double[] second;
    private final long[] unitSteps;

    /** A zero state for a theta of {@code size} values and {@code units} units. */
    public FlatOptimizer(CurriculumConfig config, int size, int units) {
        this.kind = config.optimizer();
        this.momentum = config.momentum();
        this.adam = config.adam();
        this.first = new double[size];
        this.second = kind == CurriculumConfig.OptimizerKind.ADAM ? new double[size] : new double[0];
        this.unitSteps = new long[units];
    }

    private FlatOptimizer(FlatOptimizer o) {
        this.kind = o.kind;
        this.momentum = o.momentum;
        this.adam = o.adam;
        this.first = o.first.clone();
        this.second = o.second.clone();
        this.unitSteps = o.unitSteps.clone();
    }

    /** An independent copy of the state. */
    public FlatOptimizer copy() {
        return new FlatOptimizer(this);
    }

    /** Overwrites this state with {@code o}'s (same sizes). */
    public void restore(FlatOptimizer o) {
        System.arraycopy(o.first, 0, first, 0, first.length);
        System.arraycopy(o.second, 0, second, 0, second.length);
        System.arraycopy(o.unitSteps, 0, unitSteps, 0, unitSteps.length);
    }

    /**
     * One update of {@code theta} in place.
     *
     * @param grad the (masked, clipped) gradient
     * @param plan the units and their ranges
     * @param rates per-unit rates, 0 = frozen
     * @param multiplier the elastic multiplier
     */
    public void step(double[] theta, double[] grad, UnfreezingPlan plan, double[] rates, double multiplier) {
        for (int u = 0; u < rates.length; u++) {
            if (rates[u] == 0.0) continue;
            double lr = rates[u] * multiplier;
            long t = ++unitSteps[u];
            double c1 = 0;
            double c2 = 0;
            if (kind == CurriculumConfig.OptimizerKind.ADAM) {
                c1 = 1.0 - Math.pow(adam.beta1(), t);
                c2 = 1.0 - Math.pow(adam.beta2(), t);
            }
            for (long[] r : plan.units().get(u).ranges()) {
                int from = (int) r[0];
                int to = (int) (r[0] + r[1]);
                if (kind == CurriculumConfig.OptimizerKind.SGD) {
                    for (int i = from; i < to; i++) {
                        first[i] = momentum * first[i] + grad[i];
                        theta[i] -= lr * first[i];
                    }
                } else {
                    double b1 = adam.beta1();
                    double b2 = adam.beta2();
                    double eps = adam.epsilon();
                    for (int i = from; i < to; i++) {
                        double g = grad[i];
                        first[i] = b1 * first[i] + (1 - b1) * g;
                        second[i] = b2 * second[i] + (1 - b2) * g * g;
                        theta[i] -= lr * (first[i] / c1) / (Math.sqrt(second[i] / c2) + eps);
                    }
                }
            }
        }
    }

    /** First-moment (SGD velocity or Adam m) array; the live state, do not modify. */
    double[] first() {
        return first;
    }

    /** Adam's second moment (empty for SGD); the live state. */
    double[] second() {
        return second;
    }

    /** Steps taken by each unit; the live state. */
    long[] unitSteps() {
        return unitSteps;
    }

    /** Loads arrays saved from {@link #first()}, {@link #second()}, {@link #unitSteps()}. */
    void load(double[] f, double[] s, long[] steps) {
        if (f.length != first.length || s.length != second.length || steps.length != unitSteps.length) {
            throw new IllegalArgumentException("optimizer state sizes " + f.length + "/" + s.length + "/" + steps.length + " do not match "
                    + first.length + "/" + second.length + "/" + unitSteps.length + " (was the checkpoint written with another learner or curriculum.optimizer?)");
        }
        System.arraycopy(f, 0, first, 0, f.length);
        System.arraycopy(s, 0, second, 0, s.length);
        System.arraycopy(steps, 0, unitSteps, 0, steps.length);
    }

    /** Bitwise equality of the state. */
    public boolean sameState(FlatOptimizer o) {
        return Arrays.equals(first, o.first) && Arrays.equals(second, o.second) && Arrays.equals(unitSteps, o.unitSteps);
    }
}
