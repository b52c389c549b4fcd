package dev.metamorph.maml;

import dev.metamorph.core.learn.Learner;
import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.model.GatedAttentionLearner;
import dev.metamorph.model.TokenBatch;
import java.util.List;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Any {@link Learner}'s own loss and gradient behind the {@link LearnerKernel} interface, so that
 * {@link KernelMetaGradient} can run the first-order algorithms (FOMAML, Reptile, the pretraining
 * baseline) on models without a Java kernel, on the learner's fastest path (for the
 * gated-attention model its eager pass, ~15x cheaper than a graph-built gradient). The inner loop
 * is plain SGD on every parameter the step vector alpha allows, token embeddings included.
 * Hessian-vector products are not offered: second-order algorithms use the SameDiff engine.
 *
 * <p>Not thread-safe, like the learner it wraps: give each kernel its own learner.
 *
 * @param <B> batch type
 */
final class LearnerKernelAdapter<B> implements LearnerKernel<B> {
    private final Learner<B> learner;
    private final BiFunction<INDArray, B, LossAndGradient> gradient;
    private final int size;

    /** On {@code learner.lossAndGradient} (for the gated-attention model its eager pass). */
    LearnerKernelAdapter(Learner<B> learner) {
        this(learner, (theta, batch) -> learner.lossAndGradient(theta, batch));
    }

    /** On {@code gradient}: theta [size] in the learner's dtype and a batch to the loss and gradient. */
    LearnerKernelAdapter(Learner<B> learner, BiFunction<INDArray, B, LossAndGradient> gradient) {
        this.learner = learner;
        this.gradient = gradient;
        this.size = Math.toIntExact(learner.layout().size());
    }

    /**
     * The gated-attention model's graph path ({@link GatedAttentionLearner#graphLossAndGradient}:
     * the SameDiff graph with the backward written as ops), the same loss and gradient as its eager
     * pass up to rounding.
     */
    @SuppressWarnings("unchecked")
    static <B> LearnerKernelAdapter<B> graphPath(GatedAttentionLearner learner) {
        int p = Math.toIntExact(learner.layout().size());
        BiFunction<INDArray, TokenBatch, LossAndGradient> g = (theta, batch) -> learner.graphLossAndGradient(theta.reshape(1, p), List.of(batch)).get(0);
        return new LearnerKernelAdapter<>((Learner<B>) learner, (BiFunction<INDArray, B, LossAndGradient>) (BiFunction<?, ?, ?>) g);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public double lossAndGradient(double[] theta, B batch, double[] grad) {
        LossAndGradient lg = gradient.apply(parameters(theta), batch);
        double[] g = lg.gradient().castTo(DataType.DOUBLE).reshape(size).toDoubleVector();
        System.arraycopy(g, 0, grad, 0, size);
        return lg.loss();
    }

    @Override
    public double gradientAndHessianVector(double[] theta, B batch, double[] v, double[] grad, double[] hv) {
        throw new UnsupportedOperationException(learner.getClass().getSimpleName() + " offers no exact Hessian-vector product on this path; "
                + "second-order algorithms (maml, anil, meta-sgd) run on maml.backend = samediff (or auto)");
    }

    @Override
    public double loss(double[] theta, B batch) {
        return learner.loss(parameters(theta), batch);
    }

    @Override
    public void predict(double[] theta, B batch, double[] out) {
        double[] p = learner.predict(parameters(theta), batch).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        System.arraycopy(p, 0, out, 0, p.length);
    }

    private INDArray parameters(double[] theta) {
        if (theta.length != size) throw new IllegalArgumentException("theta has " + theta.length + " entries; the learner's layout has " + size);
        INDArray t = Nd4j.createFromArray(theta);
        return learner.dataType() == DataType.DOUBLE ? t : t.castTo(learner.dataType());
    }
}
