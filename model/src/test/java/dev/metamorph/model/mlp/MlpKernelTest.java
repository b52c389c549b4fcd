package dev.metamorph.model.mlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.RegressionBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finite-difference checks (double, central differences) of the kernel's gradient and HVP. */
class MlpKernelTest {
    static RegressionBatch batch(SeededRandom r, int n, int in, int out) {
        double[] x = new double[n * in], y = new double[n * out];
        for (int i = 0; i < x.length; i++) x[i] = r.nextDouble(-5, 5);
        for (int i = 0; i < y.length; i++) y[i] = r.nextDouble(-3, 3);
        return new RegressionBatch(n, in, out, x, y);
    }

    static double relErr(double[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += Math.max(a[i] * a[i], b[i] * b[i]);
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
    }

    @Test
    void layoutAndInitFollowPytorch() {
        MlpLearner m = MlpLearner.sinusoid();
        assertEquals(1 * 40 + 40 + 40 * 40 + 40 + 40 + 1, m.layout().size());
        assertEquals(List.of("layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias", "head.weight", "head.bias"), m.layout().names());
        double[] t = m.initialParameterArray(new SeededRandom(1));
        ParamGroup w1 = m.layout().group("layer1.weight");
        double max = 0;
        for (long i = w1.offset(); i < w1.end(); i++) max = Math.max(max, Math.abs(t[(int) i]));
        assertTrue(max <= 1 / Math.sqrt(40) && max > 0.9 / Math.sqrt(40), "layer1 bound " + max);
        assertEquals(t[5], m.initialParameterArray(new SeededRandom(1))[5], 0);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        for (List<Integer> sizes : List.of(List.of(1, 40, 40, 1), List.of(3, 7, 5, 2))) {
            MlpLearner m = new MlpLearner(sizes);
            SeededRandom r = new SeededRandom(11);
            double[] t = m.initialParameterArray(r);
            RegressionBatch b = batch(r, 10, sizes.get(0), sizes.get(sizes.size() - 1));
            LearnerKernel<RegressionBatch> k = m.newKernel();
            double[] g = new double[t.length];
            k.lossAndGradient(t, b, g);
            double[] fd = new double[t.length];
            double eps = 1e-6;
            for (int i = 0; i < t.length; i++) {
                double old = t[i];
                t[i] = old + eps;
                double lp = k.loss(t, b);
                t[i] = old - eps;
                double lm = k.loss(t, b);
                t[i] = old;
                fd[i] = (lp - lm) / (2 * eps);
            }
            double e = relErr(g, fd);
            assertTrue(e < 1e-7, sizes + ": gradient relative error " + e);
        }
    }

    @Test
    void hessianVectorProductMatchesFiniteDifferencesOfTheGradient() {
        for (List<Integer> sizes : List.of(List.of(1, 40, 40, 1), List.of(3, 7, 5, 2))) {
            MlpLearner m = new MlpLearner(sizes);
            SeededRandom r = new SeededRandom(5);
            double[] t = m.initialParameterArray(r);
            double[] v = new double[t.length];
            for (int i = 0; i < v.length; i++) v[i] = r.nextDouble(-1, 1);
            RegressionBatch b = batch(r, 10, sizes.get(0), sizes.get(sizes.size() - 1));
            LearnerKernel<RegressionBatch> k = m.newKernel();
            double[] g = new double[t.length], hv = new double[t.length], g0 = new double[t.length];
            double loss = k.gradientAndHessianVector(t, b, v, g, hv);
            assertEquals(k.lossAndGradient(t, b, g0), loss, 1e-15);
            assertTrue(relErr(g, g0) < 1e-15);
            double eps = 1e-6;
            double[] tp = t.clone(), tm = t.clone(), gp = new double[t.length], gm = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                tp[i] += eps * v[i];
                tm[i] -= eps * v[i];
            }
            k.lossAndGradient(tp, b, gp);
            k.lossAndGradient(tm, b, gm);
            double[] fd = new double[t.length];
            for (int i = 0; i < t.length; i++) fd[i] = (gp[i] - gm[i]) / (2 * eps);
            double e = relErr(hv, fd);
            assertTrue(e < 1e-6, sizes + ": HVP relative error " + e);
        }
    }

    @Test
    void hessianVectorAfterGradientReusesThePassExactly() {
        MlpLearner m = MlpLearner.sinusoid();
        SeededRandom r = new SeededRandom(8);
        double[] t = m.initialParameterArray(r), v = new double[t.length];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble(-1, 1);
        RegressionBatch b = batch(r, 10, 1, 1);
        LearnerKernel<RegressionBatch> k = m.newKernel();
        double[] g = new double[t.length], full = new double[t.length], reused = new double[t.length];
        k.gradientAndHessianVector(t, b, v, g, full);
        k.lossAndGradient(t, b, g);
        k.hessianVectorAfterGradient(t, b, v, reused);
        assertTrue(relErr(full, reused) < 1e-14, "reused HVP differs: " + relErr(full, reused));
        double[] other = t.clone();
        other[3] += 0.5;
        k.hessianVectorAfterGradient(other, b, v, reused);   // different theta array: a full pass
        k.gradientAndHessianVector(other, b, v, null, full);
        assertTrue(relErr(full, reused) < 1e-15);
    }
}
