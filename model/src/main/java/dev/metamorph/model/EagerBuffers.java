package dev.metamorph.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything the eager pass needs for one batch shape (B rows of T positions): ND4J arrays the
 * matrix products write into, their Java working copies, and per block what the forward pass keeps
 * for the backward pass. Allocated once per shape by {@link EagerEncoder}; every call overwrites them.
 */
final class EagerBuffers {
    final int b, t;
    final Block[] blocks;
    final HostArrays host;
    /** The base token states [B*T, base-dim] (only with a base; null otherwise). */
    final INDArray xBase;
    final INDArray x0, keyBias, q, k, v, oh, y, hidden, dA, dHidden, dOh, dP, dIn;
    final double[] x0J, nd1, nd2, nd3, nf1, tt1, tt2, dOutJ, dInJ;

    EagerBuffers(ModelConfig c, int b, int t) {
        this.b = b;
        this.t = t;
        DataType dt = c.dtype();
        int d = c.dModel(), h = c.heads(), dk = c.headSize(), ff = c.ffSize();
        int nt = b * t, bh = b * h;
        blocks = new Block[c.blocks()];
        for (int l = 0; l < blocks.length; l++) blocks[l] = new Block(c, l, b, t);
        host = new HostArrays(Math.max((long) nt * Math.max(d, ff), (long) bh * t * t));
        xBase = c.hasBase() ? Nd4j.create(dt, nt, c.baseDim()) : null;
        x0 = Nd4j.create(dt, nt, d);
        keyBias = Nd4j.create(dt, b, 1, t);
        q = Nd4j.create(dt, nt, d);
        k = Nd4j.create(dt, nt, d);
        v = Nd4j.create(dt, nt, d);
        oh = Nd4j.create(dt, bh, t, dk);
        y = Nd4j.create(dt, nt, d);
        hidden = Nd4j.create(dt, nt, ff);
        dA = Nd4j.create(dt, nt, d);
        dHidden = Nd4j.create(dt, nt, ff);
        dOh = Nd4j.create(dt, bh, t, dk);
        dP = Nd4j.create(dt, bh, t, t);
        dIn = Nd4j.create(dt, nt, d);
        x0J = new double[nt * d];
        nd1 = new double[nt * d];
        nd2 = new double[nt * d];
        nd3 = new double[nt * d];
        nf1 = new double[nt * ff];
        tt1 = new double[bh * t * t];
        tt2 = new double[bh * t * t];
        dOutJ = new double[nt * d];
        dInJ = new double[nt * d];
    }

    /** What one block keeps from its forward pass for the backward pass. */
    static final class Block {
        final String prefix;
        final INDArray qh, kh, vg, probs, o, x1, hact, out;
        final double[] vhJ, ohJ, xhat1J, inv1J, x1J, hpreJ, xhat2J, inv2J, outJ;
        double[] gate;

        Block(ModelConfig c, int l, int b, int t) {
            prefix = "block" + l + ".";
            DataType dt = c.dtype();
            int d = c.dModel(), h = c.heads(), dk = c.headSize(), ff = c.ffSize();
            int nt = b * t, bh = b * h;
            qh = Nd4j.create(dt, bh, t, dk);
            kh = Nd4j.create(dt, bh, t, dk);
            vg = Nd4j.create(dt, bh, t, dk);
            probs = Nd4j.create(dt, bh, t, t);
            o = Nd4j.create(dt, nt, d);
            x1 = Nd4j.create(dt, nt, d);
            hact = Nd4j.create(dt, nt, ff);
            out = Nd4j.create(dt, nt, d);
            vhJ = new double[nt * d];
            ohJ = new double[nt * d];
            xhat1J = new double[nt * d];
            inv1J = new double[nt];
            x1J = new double[nt * d];
            hpreJ = new double[nt * ff];
            xhat2J = new double[nt * d];
            inv2J = new double[nt];
            outJ = new double[nt * d];
        }
    }
}
