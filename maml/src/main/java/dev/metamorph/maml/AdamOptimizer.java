package dev.metamorph.maml;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Adam (Kingma and Ba, 2015) over one flat parameter vector, as in PyTorch's {@code torch.optim.Adam}
 * (bias-corrected moments, epsilon added to the square root). Its state (step count and both
 * moments) can be written and read back exactly, so a resumed run continues bit for bit.
 * Not thread-safe.
 */
public final class AdamOptimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double[] m;
    private final double[] v;
    private long t;

    public AdamOptimizer(int size, double beta1, double beta2, double epsilon) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.m = new double[size];
        this.v = new double[size];
    }

    /** Steps taken so far. */
    public long steps() {
        return t;
    }

    /** {@code params -= lr * mhat / (sqrt(vhat) + eps)} in place. */
    public void step(double[] params, double[] grad, double lr) {
        if (params.length != m.length || grad.length != m.length) throw new IllegalArgumentException("Adam was made for " + m.length + " parameters, got params " + params.length + " and grad " + grad.length);
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        double stepSize = lr / bc1;
        double sqrtBc2 = Math.sqrt(bc2);
        for (int i = 0; i < params.length; i++) {
            double g = grad[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            params[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBc2 + epsilon);
        }
    }

    /** Writes the step count and both moments. */
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(m.length);
        out.writeLong(t);
        for (double x : m) out.writeDouble(x);
        for (double x : v) out.writeDouble(x);
    }

    /** Restores state written by {@link #write}; the sizes must match. */
    public void read(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n != m.length) throw new IOException("Adam state holds " + n + " parameters, this optimizer has " + m.length);
        t = in.readLong();
        for (int i = 0; i < n; i++) m[i] = in.readDouble();
        for (int i = 0; i < n; i++) v[i] = in.readDouble();
    }
}
