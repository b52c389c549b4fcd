package dev.metamorph.core.learn;

import java.util.Arrays;

/**
 * A batch of regression points: {@code rows} inputs of width {@code inputs} and targets of width
 * {@code outputs}, row-major doubles. Immutable: the arrays are copied in and never handed out.
 */
public final class RegressionBatch {
    private final int rows;
    private final int inputs;
    private final int outputs;
    private final double[] x;
    private final double[] y;

    /** Copies {@code x} [rows * inputs] and {@code y} [rows * outputs]. */
    public RegressionBatch(int rows, int inputs, int outputs, double[] x, double[] y) {
        if (rows <= 0 || inputs <= 0 || outputs <= 0) throw new IllegalArgumentException("RegressionBatch needs positive sizes, got rows=" + rows + " inputs=" + inputs + " outputs=" + outputs);
        if (x.length != rows * inputs) throw new IllegalArgumentException("x has " + x.length + " values, expected rows*inputs = " + rows + "*" + inputs);
        if (y.length != rows * outputs) throw new IllegalArgumentException("y has " + y.length + " values, expected rows*outputs = " + rows + "*" + outputs);
        this.rows = rows;
        this.inputs = inputs;
        this.outputs = outputs;
        this.x = x.clone();
        this.y = y.clone();
    }

    public int rows() {
        return rows;
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return outputs;
    }

    public double x(int row, int col) {
        return x[row * inputs + col];
    }

    public double y(int row, int col) {
        return y[row * outputs + col];
    }

    /** A copy of the inputs, row-major. */
    public double[] xCopy() {
        return x.clone();
    }

    /** A copy of the targets, row-major. */
    public double[] yCopy() {
        return y.clone();
    }

    /** Copies the inputs into {@code dst} at {@code offset} (no allocation). */
    public void copyX(double[] dst, int offset) {
        System.arraycopy(x, 0, dst, offset, x.length);
    }

    /** Copies the targets into {@code dst} at {@code offset} (no allocation). */
    public void copyY(double[] dst, int offset) {
        System.arraycopy(y, 0, dst, offset, y.length);
    }

    /** The rows of this batch followed by the rows of {@code other}. */
    public RegressionBatch concat(RegressionBatch other) {
        if (other.inputs != inputs || other.outputs != outputs) throw new IllegalArgumentException("Cannot concatenate batches of widths " + inputs + "->" + outputs + " and " + other.inputs + "->" + other.outputs);
        double[] nx = Arrays.copyOf(x, x.length + other.x.length);
        System.arraycopy(other.x, 0, nx, x.length, other.x.length);
        double[] ny = Arrays.copyOf(y, y.length + other.y.length);
        System.arraycopy(other.y, 0, ny, y.length, other.y.length);
        return new RegressionBatch(rows + other.rows, inputs, outputs, nx, ny);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegressionBatch b && b.rows == rows && b.inputs == inputs && b.outputs == outputs && Arrays.equals(b.x, x) && Arrays.equals(b.y, y);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(x) + Arrays.hashCode(y);
    }

    @Override
    public String toString() {
        return "RegressionBatch[rows=" + rows + ", " + inputs + "->" + outputs + "]";
    }
}
