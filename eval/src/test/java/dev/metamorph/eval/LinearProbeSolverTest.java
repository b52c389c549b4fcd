package dev.metamorph.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The probe's two solvers reach the same minimum of its strictly convex objective: L-BFGS (used
 * above {@link LinearProbeClassifier#NEWTON_MAX_UNKNOWNS} unknowns) gives Newton's weights and biases,
 * and a problem too large for Newton's Hessian is solved to the gradient tolerance.
 */
class LinearProbeSolverTest {
    private static final LinearProbeClassifier.Options OPTIONS = new LinearProbeClassifier.Options(1.0, 100, 1e-9);

    @Test
    void lbfgsReachesNewtonsMinimum() {
        Problem p = problem(6, 5, 30, 7);
        LinearProbeClassifier.Objective f = new LinearProbeClassifier.Objective(p.x, p.y, 6, OPTIONS.l2());
        LinearProbeClassifier.Fit newton = LinearProbeClassifier.fitNewton(f, OPTIONS);
        LinearProbeClassifier.Fit lbfgs = LinearProbeClassifier.fitLbfgs(f, OPTIONS);
        assertTrue(lbfgs.gradientMax() <= 1e-9, "L-BFGS stopped at gradient " + lbfgs.gradientMax());
        for (int c = 0; c < 6; c++) {
            for (int j = 0; j < 30; j++) assertEquals(newton.weights()[c][j], lbfgs.weights()[c][j], 1e-8, "W[" + c + "][" + j + "]");
        }
        // the biases are fixed only up to a common shift by the tiny bias ridge; the differences are what predictions see
        for (int c = 1; c < 6; c++) assertEquals(newton.bias()[c] - newton.bias()[0], lbfgs.bias()[c] - lbfgs.bias()[0], 1e-8, "b[" + c + "] - b[0]");
    }

    @Test
    void aProblemAboveNewtonsLimitIsSolvedToTheTolerance() {
        Problem p = problem(12, 3, 90, 13);
        LinearProbeClassifier.Objective f = new LinearProbeClassifier.Objective(p.x, p.y, 12, OPTIONS.l2());
        assertTrue(f.size() > LinearProbeClassifier.NEWTON_MAX_UNKNOWNS, "the problem must take the L-BFGS path");
        LinearProbeClassifier.Fit fit = LinearProbeClassifier.fit(p.x, p.y, 12, OPTIONS);
        assertTrue(fit.gradientMax() <= 1e-9, "gradient " + fit.gradientMax() + " after " + fit.iterations() + " steps");
        int right = 0;
        for (int i = 0; i < p.x.length; i++) if (fit.predict(p.x[i]) == p.y[i]) right++;
        assertTrue(right > p.x.length / 2, "fits its own support set: " + right + " of " + p.x.length);
    }

    private record Problem(double[][] x, int[] y) {}

    private static Problem problem(int ways, int shots, int dim, long seed) {
        RandomGenerator rng = new SeededRandom(seed);
        double[][] means = new double[ways][dim];
        for (double[] m : means) for (int j = 0; j < dim; j++) m[j] = rng.nextGaussian() * 0.5;
        double[][] x = new double[ways * shots][dim];
        int[] y = new int[ways * shots];
        for (int i = 0; i < x.length; i++) {
            y[i] = i % ways;
            for (int j = 0; j < dim; j++) x[i][j] = means[y[i]][j] + 0.3 * rng.nextGaussian();
        }
        return new Problem(x, y);
    }
}
