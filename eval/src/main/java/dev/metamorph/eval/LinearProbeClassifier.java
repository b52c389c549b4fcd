package dev.metamorph.eval;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * The {@code base-linear-probe} floor: multinomial logistic regression fitted on one episode's
 * support vectors only, predicting its queries. The objective is scikit-learn's
 * ({@code C = 1 / l2}): the summed cross-entropy plus {@code l2/2 * ||W||^2}; the intercept is not
 * penalised (a ridge of 1e-9 only fixes softmax's shift of all intercepts, which changes no
 * prediction). It is minimised by Newton's method with a backtracking line search, so the fit is
 * deterministic and converges in a few steps; above {@value #NEWTON_MAX_UNKNOWNS} unknowns (a served
 * adapter's fit over all its labels) by L-BFGS to the same tolerance, as Newton's Hessian would not fit
 * in memory.
 *
 * <p>With an L2 penalty on W, the optimal rows of W lie in the span of the support vectors
 * (representer theorem), so the problem is solved exactly in an orthonormal basis of that span
 * (from an SVD of the support matrix): {@code ways * (rank + 1)} unknowns, at most
 * {@code ways * (ways * shots + 1)}, instead of {@code ways * (dim + 1)}.
 */
public final class LinearProbeClassifier {

    /**
     * Settings of the probe ({@code eval.floors}).
     *
     * @param l2            L2 penalty on the weights ({@code probe-l2}, scikit-learn's 1/C), &gt; 0
     * @param maxIterations Newton steps at most ({@code probe-max-iterations})
     * @param tolerance     stop when the largest gradient entry is below this ({@code probe-tolerance})
     */
    public record Options(double l2, int maxIterations, double tolerance) {
        public Options {
            if (!(l2 > 0) || !Double.isFinite(l2)) throw new IllegalArgumentException("eval.floors.probe-l2 must be > 0, got " + l2);
            if (maxIterations < 1) throw new IllegalArgumentException("eval.floors.probe-max-iterations must be >= 1, got " + maxIterations);
            if (!(tolerance > 0)) throw new IllegalArgumentException("eval.floors.probe-tolerance must be > 0, got " + tolerance);
        }

        public static Options from(Config c) {
            c.checkValid(ConfigFactory.defaultReference(), "eval.floors");
            Config f = c.getConfig("eval.floors");
            return new Options(f.getDouble("probe-l2"), f.getInt("probe-max-iterations"), f.getDouble("probe-tolerance"));
        }

        /** The defaults of this module's reference.conf. */
        public static Options defaults() {
            return from(ConfigFactory.defaultReference());
        }
    }

    /**
     * A fitted probe over some features.
     *
     * @param weights    [ways][features] (owned by this record; do not change)
     * @param bias       [ways]
     * @param iterations Newton steps taken
     * @param gradientMax largest gradient entry at the end
     */
    public record Fit(double[][] weights, double[] bias, int iterations, double gradientMax) {
        /** The class with the largest logit; ties go to the lowest index. */
        public int predict(double[] x) {
            int best = 0;
            double bv = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < bias.length; c++) {
                double v = bias[c] + DensePrototypeClassifier.dot(weights[c], x);
                if (v > bv) {
                    bv = v;
                    best = c;
                }
            }
            return best;
        }
    }

    static final double BIAS_RIDGE = 1e-9;
    private final Options options;

    public LinearProbeClassifier(Options options) {
        this.options = options;
    }

    /** Fits on the support vectors and predicts a class in 0..ways-1 for each query vector. */
    public int[] predict(double[][] support, int[] supportLabels, int ways, double[][] queries) {
        if (support.length == 0) throw new IllegalArgumentException("No support vectors");
        double[][] basis = spanBasis(support); // [rank][dim], orthonormal rows
        Fit fit = fit(project(support, basis), supportLabels, ways, options);
        double[][] q = project(queries, basis);
        int[] out = new int[q.length];
        for (int i = 0; i < q.length; i++) out[i] = fit.predict(q[i]);
        return out;
    }

    /** Orthonormal rows spanning the support vectors (right singular vectors with non-negligible singular values). */
    static double[][] spanBasis(double[][] support) {
        SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(support, false));
        double[] s = svd.getSingularValues();
        RealMatrix v = svd.getV();
        int rank = 0;
        while (rank < s.length && s[rank] > 1e-10 * Math.max(s[0], Double.MIN_NORMAL)) rank++;
        double[][] basis = new double[Math.max(rank, 1)][];
        for (int k = 0; k < basis.length; k++) basis[k] = v.getColumn(k);
        return basis;
    }

    static double[][] project(double[][] xs, double[][] basis) {
        double[][] out = new double[xs.length][basis.length];
        for (int i = 0; i < xs.length; i++) for (int k = 0; k < basis.length; k++) out[i][k] = DensePrototypeClassifier.dot(xs[i], basis[k]);
        return out;
    }

    /**
     * Above this many unknowns ({@code ways * (dim + 1)}) the fit runs L-BFGS instead of Newton's
     * method: Newton's Hessian is unknowns^2 doubles, and a served adapter's fit over all its labels
     * (95 labels x 476 support features: 45,220 unknowns) would need 16 GB for it. The objective is
     * strictly convex, so both reach the same minimum (to the gradient tolerance).
     */
    static final int NEWTON_MAX_UNKNOWNS = 1000;

    /** Fits W and b on features [n][dim] with labels in 0..ways-1; every class needs an example. */
    public static Fit fit(double[][] x, int[] labels, int ways, Options options) {
        Objective f = new Objective(x, labels, ways, options.l2());
        return f.size() > NEWTON_MAX_UNKNOWNS ? fitLbfgs(f, options) : fitNewton(f, options);
    }

    static Fit fitNewton(Objective f, Options options) {
        double[] theta = new double[f.size()];
        double value = f.value(theta);
        double[] g = f.gradient(theta);
        int it = 0;
        while (maxAbs(g) > options.tolerance() && it < options.maxIterations()) {
            double[] step = new CholeskyDecomposition(new Array2DRowRealMatrix(f.hessian(theta), false), 1e-12, 1e-15)
                    .getSolver().solve(new ArrayRealVector(g, false)).mapMultiply(-1).toArray();
            double slope = DensePrototypeClassifier.dot(g, step);
            double t = 1;
            double[] next = axpy(theta, t, step);
            double nextValue = f.value(next);
            for (int k = 0; k < 50 && !(nextValue <= value + 1e-4 * t * slope); k++) {
                t /= 2;
                next = axpy(theta, t, step);
                nextValue = f.value(next);
            }
            if (!(nextValue <= value)) break; // no decrease left at double precision
            theta = next;
            value = nextValue;
            g = f.gradient(theta);
            it++;
        }
        if (!Double.isFinite(value)) throw new IllegalStateException("The linear probe's loss is not finite (" + value + "); check the vectors for NaN or infinite entries");
        return new Fit(f.weights(theta), f.bias(theta), it, maxAbs(g));
    }

    /** L-BFGS steps at most, per Newton step allowed ({@code probe-max-iterations}). */
    static final int LBFGS_STEPS_PER_NEWTON_STEP = 50;
    private static final int LBFGS_MEMORY = 10;

    /**
     * Limited-memory BFGS (two-loop recursion, {@value #LBFGS_MEMORY} pairs) with an Armijo
     * backtracking line search, until the largest gradient entry is below the tolerance or after
     * {@code probe-max-iterations x }{@value #LBFGS_STEPS_PER_NEWTON_STEP} steps. Deterministic.
     */
    static Fit fitLbfgs(Objective f, Options options) {
        int n = f.size();
        double[] theta = new double[n];
        double[] g = new double[n];
        double value = f.valueAndGradient(theta, g);
        double[][] s = new double[LBFGS_MEMORY][], y = new double[LBFGS_MEMORY][];
        double[] rho = new double[LBFGS_MEMORY];
        int stored = 0, head = 0, it = 0;
        int maxSteps = options.maxIterations() * LBFGS_STEPS_PER_NEWTON_STEP;
        double[] alpha = new double[LBFGS_MEMORY];
        while (maxAbs(g) > options.tolerance() && it < maxSteps) {
            // two-loop recursion: d = -H g
            double[] d = g.clone();
            for (int k = 0; k < stored; k++) {
                int i = Math.floorMod(head - 1 - k, LBFGS_MEMORY);
                alpha[i] = rho[i] * DensePrototypeClassifier.dot(s[i], d);
                for (int j = 0; j < n; j++) d[j] -= alpha[i] * y[i][j];
            }
            if (stored > 0) {
                int last = Math.floorMod(head - 1, LBFGS_MEMORY);
                double gamma = DensePrototypeClassifier.dot(s[last], y[last]) / DensePrototypeClassifier.dot(y[last], y[last]);
                for (int j = 0; j < n; j++) d[j] *= gamma;
            } else {
                double scale = 1 / Math.max(1.0, Math.sqrt(DensePrototypeClassifier.dot(g, g)));
                for (int j = 0; j < n; j++) d[j] *= scale;
            }
            for (int k = stored - 1; k >= 0; k--) {
                int i = Math.floorMod(head - 1 - k, LBFGS_MEMORY);
                double beta = rho[i] * DensePrototypeClassifier.dot(y[i], d);
                for (int j = 0; j < n; j++) d[j] += (alpha[i] - beta) * s[i][j];
            }
            for (int j = 0; j < n; j++) d[j] = -d[j];
            double slope = DensePrototypeClassifier.dot(g, d);
            if (!(slope < 0)) { // not a descent direction: restart from the gradient
                stored = 0;
                for (int j = 0; j < n; j++) d[j] = -g[j] / Math.max(1.0, Math.sqrt(DensePrototypeClassifier.dot(g, g)));
                slope = DensePrototypeClassifier.dot(g, d);
            }
            double t = 1;
            double[] next = axpy(theta, t, d);
            double[] nextG = new double[n];
            double nextValue = f.valueAndGradient(next, nextG);
            double gMax = maxAbs(g);
            for (int k = 0; k < 50 && !accept(value, nextValue, t * slope, gMax, nextG); k++) {
                t /= 2;
                next = axpy(theta, t, d);
                nextValue = f.valueAndGradient(next, nextG);
            }
            if (!accept(value, nextValue, t * slope, gMax, nextG)) break; // no progress left at double precision
            double[] sk = new double[n], yk = new double[n];
            for (int j = 0; j < n; j++) {
                sk[j] = next[j] - theta[j];
                yk[j] = nextG[j] - g[j];
            }
            double sy = DensePrototypeClassifier.dot(sk, yk);
            if (sy > 1e-300) {
                s[head] = sk;
                y[head] = yk;
                rho[head] = 1 / sy;
                head = (head + 1) % LBFGS_MEMORY;
                stored = Math.min(stored + 1, LBFGS_MEMORY);
            }
            theta = next;
            g = nextG;
            value = nextValue;
            it++;
        }
        if (!Double.isFinite(value)) throw new IllegalStateException("The linear probe's loss is not finite (" + value + "); check the vectors for NaN or infinite entries");
        return new Fit(f.weights(theta), f.bias(theta), it, maxAbs(g));
    }

    /**
     * Armijo's sufficient decrease; near the minimum, where the decrease falls below the value's
     * rounding (the loss is a sum over the support rows), a step that keeps the value within that
     * rounding and shrinks the largest gradient entry is taken too, so that the gradient reaches the
     * tolerance Newton's method reaches.
     */
    private static boolean accept(double value, double next, double decrease, double gMax, double[] nextG) {
        if (next <= value + 1e-4 * decrease) return true;
        return Math.abs(next - value) <= 1e-12 * Math.max(1.0, Math.abs(value)) && maxAbs(nextG) < gMax;
    }

    private static double[] axpy(double[] x, double a, double[] y) {
        double[] out = x.clone();
        for (int i = 0; i < out.length; i++) out[i] += a * y[i];
        return out;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    /**
     * The probe's objective over theta = [W row-major (ways x dim), b (ways)]: summed softmax
     * cross-entropy + l2/2 ||W||^2 + 1e-9/2 ||b||^2, with its gradient and Hessian.
     */
    static final class Objective {
        private final double[][] x;
        private final int[] y;
        private final int ways;
        private final int dim;
        private final double l2;

        Objective(double[][] x, int[] y, int ways, double l2) {
            if (x.length != y.length) throw new IllegalArgumentException(x.length + " vectors for " + y.length + " labels");
            this.x = x;
            this.y = y;
            this.ways = ways;
            this.dim = x.length == 0 ? 0 : x[0].length;
            this.l2 = l2;
            int[] counts = new int[ways];
            for (int label : y) {
                if (label < 0 || label >= ways) throw new IllegalArgumentException("Label " + label + " outside 0.." + (ways - 1));
                counts[label]++;
            }
            for (int c = 0; c < ways; c++) if (counts[c] == 0) throw new IllegalArgumentException("Class " + c + " has no support example");
        }

        int size() {
            return ways * (dim + 1);
        }

        private int w(int c, int j) {
            return c * dim + j;
        }

        private int b(int c) {
            return ways * dim + c;
        }

        double[][] weights(double[] theta) {
            double[][] out = new double[ways][dim];
            for (int c = 0; c < ways; c++) System.arraycopy(theta, w(c, 0), out[c], 0, dim);
            return out;
        }

        double[] bias(double[] theta) {
            double[] out = new double[ways];
            System.arraycopy(theta, b(0), out, 0, ways);
            return out;
        }

        /** Log-softmax of the logits of example i. */
        private double[] logProbs(double[] theta, int i) {
            double[] z = new double[ways];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < ways; c++) {
                double v = theta[b(c)];
                for (int j = 0; j < dim; j++) v += theta[w(c, j)] * x[i][j];
                z[c] = v;
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int c = 0; c < ways; c++) sum += Math.exp(z[c] - max);
            double log = max + Math.log(sum);
            for (int c = 0; c < ways; c++) z[c] -= log;
            return z;
        }

        double value(double[] theta) {
            double loss = 0;
            for (int i = 0; i < x.length; i++) loss -= logProbs(theta, i)[y[i]];
            double w2 = 0, b2 = 0;
            for (int c = 0; c < ways; c++) {
                for (int j = 0; j < dim; j++) w2 += theta[w(c, j)] * theta[w(c, j)];
                b2 += theta[b(c)] * theta[b(c)];
            }
            return loss + 0.5 * l2 * w2 + 0.5 * BIAS_RIDGE * b2;
        }

        double[] gradient(double[] theta) {
            double[] g = new double[size()];
            for (int i = 0; i < x.length; i++) {
                double[] lp = logProbs(theta, i);
                for (int c = 0; c < ways; c++) {
                    double r = Math.exp(lp[c]) - (c == y[i] ? 1 : 0);
                    for (int j = 0; j < dim; j++) g[w(c, j)] += r * x[i][j];
                    g[b(c)] += r;
                }
            }
            for (int c = 0; c < ways; c++) {
                for (int j = 0; j < dim; j++) g[w(c, j)] += l2 * theta[w(c, j)];
                g[b(c)] += BIAS_RIDGE * theta[b(c)];
            }
            return g;
        }

        /** The value, with the gradient written into {@code g} [size] (one pass over the examples). */
        double valueAndGradient(double[] theta, double[] g) {
            java.util.Arrays.fill(g, 0);
            double loss = 0;
            for (int i = 0; i < x.length; i++) {
                double[] lp = logProbs(theta, i);
                loss -= lp[y[i]];
                for (int c = 0; c < ways; c++) {
                    double r = Math.exp(lp[c]) - (c == y[i] ? 1 : 0);
                    int o = w(c, 0);
                    for (int j = 0; j < dim; j++) g[o + j] += r * x[i][j];
                    g[b(c)] += r;
                }
            }
            double w2 = 0, b2 = 0;
            for (int c = 0; c < ways; c++) {
                for (int j = 0; j < dim; j++) {
                    double v = theta[w(c, j)];
                    w2 += v * v;
                    g[w(c, j)] += l2 * v;
                }
                b2 += theta[b(c)] * theta[b(c)];
                g[b(c)] += BIAS_RIDGE * theta[b(c)];
            }
            return loss + 0.5 * l2 * w2 + 0.5 * BIAS_RIDGE * b2;
        }

        double[][] hessian(double[] theta) {
            int n = size();
            double[][] h = new double[n][n];
            double[] s = new double[dim + 1];
            for (int i = 0; i < x.length; i++) {
                double[] lp = logProbs(theta, i);
                double[] p = new double[ways];
                for (int c = 0; c < ways; c++) p[c] = Math.exp(lp[c]);
                System.arraycopy(x[i], 0, s, 0, dim);
                s[dim] = 1;
                for (int c = 0; c < ways; c++) {
                    for (int c2 = 0; c2 < ways; c2++) {
                        double a = (c == c2 ? p[c] : 0) - p[c] * p[c2];
                        if (a == 0) continue;
                        for (int j = 0; j <= dim; j++) {
                            int row = j == dim ? b(c) : w(c, j);
                            double as = a * s[j];
                            for (int k = 0; k <= dim; k++) h[row][k == dim ? b(c2) : w(c2, k)] += as * s[k];
                        }
                    }
                }
            }
            for (int c = 0; c < ways; c++) {
                for (int j = 0; j < dim; j++) h[w(c, j)][w(c, j)] += l2;
                h[b(c)][b(c)] += BIAS_RIDGE;
            }
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    double m = 0.5 * (h[i][j] + h[j][i]); // the two orders of the products differ in the last bit
                    h[i][j] = m;
                    h[j][i] = m;
                }
            }
            return h;
        }
    }
}
