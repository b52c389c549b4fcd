package dev.metamorph.core.learn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss, gradient, parameter vector or model output that is NaN or infinite: training, saving
 * and evaluation stop here rather than carry it on (a NaN theta would be saved, a NaN logit would
 * count as class 0). The message names the stage, the step and the first bad entry.
 */
public final class NonFiniteException extends IllegalStateException {
    private final String stage;
    private final long step;
    private final String what;
    private final String hint;

    /**
     * @param stage where it happened ({@code meta-train}, {@code curriculum stage 1}, {@code eval}...)
     * @param step the step (or episode) there, -1 if none applies
     * @param what what was not finite and its first bad entry ("meta-gradient entry 17 is NaN")
     * @param hint what to do about it
     */
    public NonFiniteException(String stage, long step, String what, String hint) {
        super(stage + (step >= 0 ? " step " + step : "") + ": " + what + (hint == null || hint.isEmpty() ? "" : "; " + hint));
        this.stage = stage;
        this.step = step;
        this.what = what;
        this.hint = hint;
    }

    /** The same finding at a step the thrower did not know (the caller's loop counts steps). */
    public NonFiniteException at(long step) {
        NonFiniteException e = new NonFiniteException(stage, step, what, hint);
        e.initCause(this);
        return e;
    }

    public String stage() {
        return stage;
    }

    /** The step, or -1. */
    public long step() {
        return step;
    }

    /** Index of the first NaN or infinite value, or -1 if all are finite. */
    public static int firstNonFinite(double[] values) {
        for (int i = 0; i < values.length; i++) if (!Double.isFinite(values[i])) return i;
        return -1;
    }

    /** "name entry i is NaN", or null if every value is finite. */
    public static String describe(String name, double[] values) {
        int i = firstNonFinite(values);
        return i < 0 ? null : name + " entry " + i + " of " + values.length + " is " + values[i];
    }

    /** As {@link #describe(String, double[])} for an array of any floating type. */
    public static String describe(String name, INDArray values) {
        double[] v = values.castTo(DataType.DOUBLE).ravel().toDoubleVector();
        return describe(name, v);
    }

    /** Throws unless every value is finite. */
    public static void requireFinite(String stage, long step, String name, double[] values, String hint) {
        String bad = describe(name, values);
        if (bad != null) throw new NonFiniteException(stage, step, bad, hint);
    }

    /** Throws unless every value is finite. */
    public static void requireFinite(String stage, long step, String name, INDArray values, String hint) {
        String bad = describe(name, values);
        if (bad != null) throw new NonFiniteException(stage, step, bad, hint);
    }
}
