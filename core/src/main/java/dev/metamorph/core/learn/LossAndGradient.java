package dev.metamorph.core.learn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch-mean loss and its flat gradient (same length as theta). The caller owns the gradient
 * array; the learner never reuses it.
 */
public record LossAndGradient(double loss, INDArray gradient) {}
