package dev.metamorph.curriculum;

import dev.metamorph.core.learn.Learner;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conversions between the engine's double master copy of theta and a learner's ND4J vectors. */
final class FlatArrays {
    private FlatArrays() {}

    /** A flat double copy of {@code a}. */
    static double[] toDoubles(INDArray a) {
        INDArray flat = a.reshape(a.length());
        return (flat.dataType() == DataType.DOUBLE ? flat : flat.castTo(DataType.DOUBLE)).toDoubleVector();
    }

    /** {@code theta} as a [size] vector of the learner's data type. */
    static INDArray toLearner(double[] theta, Learner<?> learner) {
        INDArray a = Nd4j.createFromArray(theta);
        return learner.dataType() == DataType.DOUBLE ? a : a.castTo(learner.dataType());
    }
}
