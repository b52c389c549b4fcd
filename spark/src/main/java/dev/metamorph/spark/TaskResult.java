package dev.metamorph.spark;

import java.io.Serializable;

/**
 * One task's meta-gradient as an executor sends it back. The arrays belong to the receiver.
 */
final class TaskResult implements Serializable {
    final int index;
    final double loss;
    final double[] gradTheta;
    final double[] gradAlpha;

    TaskResult(int index, double loss, double[] gradTheta, double[] gradAlpha) {
        this.index = index;
        this.loss = loss;
        this.gradTheta = gradTheta;
        this.gradAlpha = gradAlpha;
    }
}
