package dev.metamorph.memory;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The dense content read of {@link ContentRead} and its backward pass, both written as ordinary
 * SameDiff forward ops, task-batched: queries Q [tau, B, kd], slot keys K [tau, S, kd], values
 * V [tau, S, vd], an additive slot mask [tau, B, S] (0 for an addressable slot, -1e9 otherwise) and a
 * strength beta [tau, 1, 1]. A row whose slots are all masked reads zero, as {@link ContentRead} with no
 * addressable slot does. Because the backward pass is itself made of forward ops, a graph holding
 * an inner step through it can be differentiated again (exact second-order MAML), as the model's
 * blocks do. Same arithmetic as {@link ContentRead} (tested to rounding in double).
 */
public final class MemoryReadOps {
    /** Added to squared norms under the square root, as {@link ContentRead#NORM_EPS}. */
    private static final double EPS = ContentRead.NORM_EPS;
    /** Added to the softmax's denominator, so that a row with no addressable slot reads zero (as {@link ContentRead} does) instead of a uniform mix of masked slots. */
    private static final double EMPTY_EPS = 1e-30;

    private final SameDiff sd;
    private final SDVariable qHat, kHat, qNorm, kNorm, cos, weights, read, strength, values;

    private MemoryReadOps(SameDiff sd, SDVariable qHat, SDVariable kHat, SDVariable qNorm, SDVariable kNorm, SDVariable cos,
                          SDVariable weights, SDVariable read, SDVariable strength, SDVariable values) {
        this.sd = sd;
        this.qHat = qHat;
        this.kHat = kHat;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.cos = cos;
        this.weights = weights;
        this.read = read;
        this.strength = strength;
        this.values = values;
    }

    /** The forward read; {@link #read()} is R [tau, B, vd]. */
    public static MemoryReadOps forward(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, SDVariable mask, SDVariable strength) {
        SDVariable qn = sd.math.sqrt(q.mul(q).sum(true, 2).add(EPS)); // [tau, B, 1]
        SDVariable kn = sd.math.sqrt(k.mul(k).sum(true, 2).add(EPS)); // [tau, S, 1]
        SDVariable qh = q.div(qn), kh = k.div(kn);
        SDVariable c = sd.mmul(qh, kh, false, true, false); // [tau, B, S]
        SDVariable a = c.mul(strength).add(mask);
        SDVariable shifted = a.sub(a.max(true, 2));
        // 1 for an addressable slot, 0 for a masked one (mask is 0 or -1e9): masked slots get weight exactly 0, and a row
        // with no addressable slot reads zero, as the eager read does (an additive mask alone gave it a uniform mix)
        SDVariable open = sd.math.step(mask.add(0.5), 0.0);
        SDVariable e = sd.math.exp(shifted).mul(open);
        SDVariable w = e.div(e.sum(true, 2).add(EMPTY_EPS));
        SDVariable r = sd.mmul(w, v, false, false, false); // [tau, B, vd]
        return new MemoryReadOps(sd, qh, kh, qn, kn, c, w, r, strength, v);
    }

    public SDVariable read() {
        return read;
    }

    /** Read weights [tau, B, S]. */
    public SDVariable weights() {
        return weights;
    }

    /** Cosines [tau, B, S]. */
    public SDVariable cosines() {
        return cos;
    }

    /** Gradients of a read for the upstream dR [tau, B, vd], as forward ops. */
    public record Backward(SDVariable query, SDVariable keys, SDVariable values, SDVariable strength) {}

    /** The backward pass for {@code dR} [tau, B, vd]: dQ, dK, dV and dbeta [tau, 1, 1], all as ops. */
    public Backward backward(SDVariable dR) {
        SDVariable dV = sd.mmul(weights, dR, true, false, false); // [tau, S, vd]
        SDVariable dW = sd.mmul(dR, values, false, true, false); // [tau, B, S]
        SDVariable dA = weights.mul(dW.sub(weights.mul(dW).sum(true, 2)));
        SDVariable dBeta = dA.mul(cos).sum(true, 1, 2); // [tau, 1, 1]
        SDVariable dC = dA.mul(strength);
        SDVariable dQh = sd.mmul(dC, kHat, false, false, false); // [tau, B, kd]
        SDVariable dKh = sd.mmul(dC, qHat, true, false, false); // [tau, S, kd]
        SDVariable dQ = dQh.sub(qHat.mul(dQh.mul(qHat).sum(true, 2))).div(qNorm);
        SDVariable dK = dKh.sub(kHat.mul(dKh.mul(kHat).sum(true, 2))).div(kNorm);
        return new Backward(dQ, dK, dV, dBeta);
    }
}
