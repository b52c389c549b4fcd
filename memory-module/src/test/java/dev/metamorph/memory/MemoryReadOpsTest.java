package dev.metamorph.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The read as SameDiff ops: forward and backward-as-ops equal {@link ContentRead} in double, and SameDiff's own gradient of the forward ops. */
class MemoryReadOpsTest {
    @BeforeAll
    static void doubles() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Test
    void graphReadAndBackwardAsOpsEqualTheEagerRead() {
        SplittableRandom r = new SplittableRandom(21);
        int tau = 2, b = 3, s = 5, kd = 4, vd = 3;
        double beta = 2.0;
        double[] q = rnd(r, tau * b * kd), k = rnd(r, tau * s * kd), v = rnd(r, tau * s * vd), dr = rnd(r, tau * b * vd);
        double[] mask = new double[tau * b * s];
        mask[(1 * b + 2) * s + 4] = -1e9; // task 1, row 2 does not address slot 4
        SameDiff sd = SameDiff.create();
        SDVariable vq = sd.var("q", arr(q, tau, b, kd)), vk = sd.var("k", arr(k, tau, s, kd)), vv = sd.var("v", arr(v, tau, s, vd));
        SDVariable vm = sd.constant("mask", arr(mask, tau, b, s));
        SDVariable vb = sd.var("beta", Nd4j.valueArrayOf(new long[] {tau, 1, 1}, beta));
        SDVariable vdr = sd.constant("dr", arr(dr, tau, b, vd));
        MemoryReadOps ops = MemoryReadOps.forward(sd, vq, vk, vv, vm, vb);
        MemoryReadOps.Backward bw = ops.backward(vdr);
        SDVariable loss = ops.read().mul(vdr).sum();
        loss.markAsLoss();
        Map<String, INDArray> out = sd.output((Map<String, INDArray>) null, ops.read().name(), bw.query().name(), bw.keys().name(), bw.values().name(), bw.strength().name());
        Map<String, INDArray> auto = sd.calculateGradients(null, "q", "k", "v", "beta");
        ContentRead read = new ContentRead(kd, vd, 0);
        double[] rOut = out.get(ops.read().name()).dup().data().asDouble();
        double[] dq = out.get(bw.query().name()).dup().data().asDouble();
        double[] dk = out.get(bw.keys().name()).dup().data().asDouble();
        double[] dv = out.get(bw.values().name()).dup().data().asDouble();
        double[] dbeta = out.get(bw.strength().name()).dup().data().asDouble();
        assertClose(auto.get("q").dup().data().asDouble(), dq, "dq vs SameDiff");
        assertClose(auto.get("k").dup().data().asDouble(), dk, "dk vs SameDiff");
        assertClose(auto.get("v").dup().data().asDouble(), dv, "dv vs SameDiff");
        assertClose(auto.get("beta").dup().data().asDouble(), dbeta, "dbeta vs SameDiff");
        for (int t = 0; t < tau; t++) {
            double[] keys = java.util.Arrays.copyOfRange(k, t * s * kd, (t + 1) * s * kd), vals = java.util.Arrays.copyOfRange(v, t * s * vd, (t + 1) * s * vd);
            double[] eK = new double[s * kd], eV = new double[s * vd];
            double eBeta = 0;
            for (int i = 0; i < b; i++) {
                int used = t == 1 && i == 2 ? 4 : s; // the masked slot is the last one
                ContentRead.Result res = read.forward(q, (t * b + i) * kd, keys, vals, used, -1, beta);
                for (int x = 0; x < vd; x++) assertEquals(res.read()[x], rOut[(t * b + i) * vd + x], 1e-12);
                double[] g = java.util.Arrays.copyOfRange(dr, (t * b + i) * vd, (t * b + i + 1) * vd);
                ContentRead.Gradient grad = read.backward(res, q, (t * b + i) * kd, keys, vals, g, eK, eV);
                for (int x = 0; x < kd; x++) assertEquals(grad.query()[x], dq[(t * b + i) * kd + x], 1e-12);
                eBeta += grad.strength();
            }
            for (int x = 0; x < s * kd; x++) assertEquals(eK[x], dk[t * s * kd + x], 1e-12);
            for (int x = 0; x < s * vd; x++) assertEquals(eV[x], dv[t * s * vd + x], 1e-12);
            assertEquals(eBeta, dbeta[t], 1e-12);
        }
    }

    @Test
    void aRowWithNoAddressableSlotReadsZeroAsTheEagerReadDoes() {
        SplittableRandom r = new SplittableRandom(22);
        int tau = 1, b = 2, s = 3, kd = 4, vd = 2;
        double[] q = rnd(r, tau * b * kd), k = rnd(r, tau * s * kd), v = rnd(r, tau * s * vd), dr = rnd(r, tau * b * vd);
        double[] mask = new double[tau * b * s];
        for (int j = 0; j < s; j++) mask[s + j] = -1e9; // row 1 addresses no slot
        SameDiff sd = SameDiff.create();
        SDVariable vq = sd.var("q", arr(q, tau, b, kd)), vk = sd.var("k", arr(k, tau, s, kd)), vv = sd.var("v", arr(v, tau, s, vd));
        SDVariable vb = sd.var("beta", Nd4j.valueArrayOf(new long[] {tau, 1, 1}, 3.0));
        SDVariable vdr = sd.constant("dr", arr(dr, tau, b, vd));
        MemoryReadOps ops = MemoryReadOps.forward(sd, vq, vk, vv, sd.constant("mask", arr(mask, tau, b, s)), vb);
        MemoryReadOps.Backward bw = ops.backward(vdr);
        ops.read().mul(vdr).sum().markAsLoss();
        Map<String, INDArray> out = sd.output((Map<String, INDArray>) null, ops.read().name(), bw.query().name(), bw.keys().name(), bw.strength().name());
        Map<String, INDArray> auto = sd.calculateGradients(null, "q", "k", "beta");
        double[] rOut = out.get(ops.read().name()).dup().data().asDouble(), dq = out.get(bw.query().name()).dup().data().asDouble();
        ContentRead read = new ContentRead(kd, vd, 0);
        ContentRead.Result empty = read.forward(q, kd, k, v, 0, -1, 3.0);
        for (int x = 0; x < vd; x++) {
            assertEquals(0.0, empty.read()[x], 0.0, "the eager read of no slot");
            assertEquals(0.0, rOut[vd + x], 0.0, "the graph read of no slot");
        }
        for (int x = 0; x < kd; x++) assertEquals(0.0, dq[kd + x], 0.0, "no gradient reaches the query of a row that reads nothing");
        ContentRead.Result full = read.forward(q, 0, k, v, s, -1, 3.0);
        for (int x = 0; x < vd; x++) assertEquals(full.read()[x], rOut[x], 1e-12, "the other row reads as before");
        assertClose(auto.get("q").dup().data().asDouble(), dq, "dq vs SameDiff");
        assertClose(auto.get("k").dup().data().asDouble(), out.get(bw.keys().name()).dup().data().asDouble(), "dk vs SameDiff");
        assertClose(auto.get("beta").dup().data().asDouble(), out.get(bw.strength().name()).dup().data().asDouble(), "dbeta vs SameDiff");
    }

    private static void assertClose(double[] a, double[] b, String what) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-10, what + "[" + i + "]");
    }

    private static INDArray arr(double[] a, long... shape) {
        return Nd4j.createFromArray(a).reshape(shape);
    }

    private static double[] rnd(SplittableRandom r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextGaussian();
        return a;
    }
}
