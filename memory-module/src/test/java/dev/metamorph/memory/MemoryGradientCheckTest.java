package dev.metamorph.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Central finite differences in double (eps 1e-6, max relative error 1e-5) against the explicit
 * backward passes: reads (dense and top-k) with respect to the query, keys, values and strength;
 * erase/add and LRUA write weights with respect to every input and the gate; and a whole episode
 * step (learned projections of support and query encodings, support keys written by LRUA, read)
 * with respect to the projection, the encodings, the gate, the erase vectors and the strength.
 */
class MemoryGradientCheckTest {
    private static final double EPS = 1e-6;
    private static final double TOL = 1e-5;

    private static double[] gaussian(SplittableRandom r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextDouble() * 2 - 1;
        return a;
    }

    /** Checks analytic[i] against the central difference of f at x[i], for every i. */
    private static void check(String what, double[] x, double[] analytic, ToDoubleFunction<double[]> f) {
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + EPS;
            double up = f.applyAsDouble(x);
            x[i] = keep - EPS;
            double down = f.applyAsDouble(x);
            x[i] = keep;
            double fd = (up - down) / (2 * EPS);
            double err = Math.abs(fd - analytic[i]) / Math.max(1e-8, Math.abs(fd) + Math.abs(analytic[i]));
            assertTrue(err < TOL || Math.abs(fd - analytic[i]) < 1e-9, what + "[" + i + "]: analytic " + analytic[i] + " vs finite difference " + fd);
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private void checkRead(int topK) {
        SplittableRandom r = new SplittableRandom(7 + topK);
        int slots = 9, kd = 5, vd = 4, skip = 3;
        ContentRead read = new ContentRead(kd, vd, topK);
        double[] q = gaussian(r, kd), keys = gaussian(r, slots * kd), values = gaussian(r, slots * vd), c = gaussian(r, vd);
        double[] beta = {2.5};
        ToDoubleFunction<double[]> loss = any -> dot(read.forward(q, 0, keys, values, slots, skip, beta[0]).read(), c);
        ContentRead.Result res = read.forward(q, 0, keys, values, slots, skip, beta[0]);
        assertEquals(topK == 0 ? slots - 1 : topK, res.slots().length);
        double[] dK = new double[keys.length], dV = new double[values.length];
        ContentRead.Gradient g = read.backward(res, q, 0, keys, values, c, dK, dV);
        check("dq", q, g.query(), loss);
        check("dK", keys, dK, loss);
        check("dV", values, dV, loss);
        check("dbeta", beta, new double[] {g.strength()}, loss);
    }

    @Test
    void denseReadGradientsMatchFiniteDifferences() {
        checkRead(0);
    }

    @Test
    void topKReadGradientsMatchFiniteDifferencesOverTheSelectedSlots() {
        checkRead(3);
    }

    @Test
    void eraseAddGradientsMatchFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(11);
        int slots = 6, width = 4;
        double[] m = gaussian(r, slots * width), ww = gaussian(r, slots), e = gaussian(r, width), a = gaussian(r, width), c = gaussian(r, slots * width);
        ToDoubleFunction<double[]> loss = any -> dot(LruaWrite.eraseAdd(m, width, ww, e, a), c);
        LruaWrite.EraseAddGradient g = LruaWrite.eraseAddBackward(m, width, ww, e, a, c);
        check("dM", m, g.memory(), loss);
        check("dww", ww, g.weights(), loss);
        check("derase", e, g.erase(), loss);
        check("dadd", a, g.add(), loss);
    }

    @Test
    void lruaWriteWeightGradientsMatchFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(12);
        int slots = 6;
        double[] prev = gaussian(r, slots), c = gaussian(r, slots), gate = {0.3};
        int lu = 4;
        ToDoubleFunction<double[]> loss = any -> dot(LruaWrite.weights(gate[0], prev, lu, slots).weights(), c);
        LruaWrite.Weights w = LruaWrite.weights(gate[0], prev, lu, slots);
        LruaWrite.WeightsGradient g = LruaWrite.backward(w, prev, c);
        check("dgate", gate, new double[] {g.gateLogit()}, loss);
        check("dprev", prev, g.previousRead(), loss);
    }

    /**
     * One episode: support encodings hs [n, e] and a query encoding hq [e]; keys k_j = hs_j P (P the
     * learned projection [e, kd]) are written one by one with LRUA (gate, erase vector, previous read
     * weights) into a memory holding old entries, values are label embeddings; then the query P hq
     * reads. The loss is a fixed linear function of the read vector; every input gets its gradient
     * through the chain of explicit backward passes.
     */
    @Test
    void episodeOfProjectedWritesThenReadMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(13);
        int slots = 5, e = 4, kd = 3, vd = 2, n = 2;
        double[] proj = gaussian(r, e * kd), hs = gaussian(r, n * e), hq = gaussian(r, e), gate = {0.4}, erase = gaussian(r, kd);
        double[] keys0 = gaussian(r, slots * kd), vals = gaussian(r, slots * vd), prevRead = gaussian(r, slots), beta = {3.0}, c = gaussian(r, vd);
        double[] usage = {0.5, 0.1, 0.9, 0.05, 0.7};
        ContentRead read = new ContentRead(kd, vd, 0);
        ToDoubleFunction<double[]> loss = any -> new Episode(proj, hs, hq, gate[0], erase, keys0, vals, prevRead, usage, beta[0], read, e, kd, n, slots).forward(c);
        Episode ep = new Episode(proj, hs, hq, gate[0], erase, keys0, vals, prevRead, usage, beta[0], read, e, kd, n, slots);
        ep.forward(c);
        Episode.Grads g = ep.backward(c);
        check("dproj", proj, g.proj, loss);
        check("dhs", hs, g.hs, loss);
        check("dhq", hq, g.hq, loss);
        check("dgate", gate, new double[] {g.gate}, loss);
        check("derase", erase, g.erase, loss);
        check("dkeys0", keys0, g.keys0, loss);
        check("dprevRead", prevRead, g.prevRead, loss);
        check("dbeta", beta, new double[] {g.beta}, loss);
    }

    /** The episode of the test above, forward and backward, written with the module's pieces. */
    private static final class Episode {
        final double[] proj, hs, hq, erase, keys0, vals, prevRead, usage;
        final double gate, beta;
        final ContentRead read;
        final int e, kd, n, slots;
        double[][] keysBefore, ks;
        LruaWrite.Weights[] ws;
        double[] keysAfter, q;
        ContentRead.Result res;

        Episode(double[] proj, double[] hs, double[] hq, double gate, double[] erase, double[] keys0, double[] vals, double[] prevRead,
                double[] usage, double beta, ContentRead read, int e, int kd, int n, int slots) {
            this.proj = proj; this.hs = hs; this.hq = hq; this.gate = gate; this.erase = erase; this.keys0 = keys0; this.vals = vals;
            this.prevRead = prevRead; this.usage = usage.clone(); this.beta = beta; this.read = read; this.e = e; this.kd = kd; this.n = n; this.slots = slots;
        }

        double[] project(double[] h, int off) {
            double[] k = new double[kd];
            for (int x = 0; x < e; x++) for (int y = 0; y < kd; y++) k[y] += h[off + x] * proj[x * kd + y];
            return k;
        }

        double forward(double[] c) {
            keysBefore = new double[n][];
            ks = new double[n][];
            ws = new LruaWrite.Weights[n];
            double[] keys = keys0;
            for (int j = 0; j < n; j++) {
                ks[j] = project(hs, j * e);
                ws[j] = LruaWrite.weights(gate, prevRead, LruaWrite.leastUsed(usage, slots), slots);
                keysBefore[j] = keys;
                keys = LruaWrite.eraseAdd(keys, kd, ws[j].weights(), erase, ks[j]);
                LruaWrite.updateUsage(usage, 0.9, null, ws[j].weights());
            }
            keysAfter = keys;
            q = project(hq, 0);
            res = read.forward(q, 0, keysAfter, vals, slots, -1, beta);
            return dot(res.read(), c);
        }

        static final class Grads {
            double[] proj, hs, hq, erase, keys0, prevRead;
            double gate, beta;
        }

        Grads backward(double[] c) {
            Grads g = new Grads();
            double[] dKeys = new double[slots * kd];
            ContentRead.Gradient rg = read.backward(res, q, 0, keysAfter, vals, c, dKeys, null);
            g.beta = rg.strength();
            g.proj = new double[e * kd];
            g.hs = new double[n * e];
            g.hq = new double[e];
            g.erase = new double[kd];
            g.prevRead = new double[slots];
            addProjection(g, hq, 0, rg.query(), g.hq, 0);
            for (int j = n - 1; j >= 0; j--) {
                LruaWrite.EraseAddGradient eg = LruaWrite.eraseAddBackward(keysBefore[j], kd, ws[j].weights(), erase, ks[j], dKeys);
                LruaWrite.WeightsGradient wg = LruaWrite.backward(ws[j], prevRead, eg.weights());
                g.gate += wg.gateLogit();
                for (int s = 0; s < slots; s++) g.prevRead[s] += wg.previousRead()[s];
                for (int y = 0; y < kd; y++) g.erase[y] += eg.erase()[y];
                addProjection(g, hs, j * e, eg.add(), g.hs, j * e);
                dKeys = eg.memory();
            }
            g.keys0 = dKeys;
            return g;
        }

        void addProjection(Grads g, double[] h, int off, double[] dk, double[] dh, int dhOff) {
            for (int x = 0; x < e; x++) {
                for (int y = 0; y < kd; y++) {
                    g.proj[x * kd + y] += h[off + x] * dk[y];
                    dh[dhOff + x] += proj[x * kd + y] * dk[y];
                }
            }
        }
    }
}
