package dev.metamorph.model;

import dev.metamorph.core.SeededRandom;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Tiny attention models and batches for the model tests. */
final class TinyModels {
    private TinyModels() {}

    static ModelConfig tiny(ModelConfig.HeadType head, ModelConfig.Activation act) {
        return ModelConfig.defaults().withShape(20, 8, 2, 2, 12, 8).withHead(head).withActivation(act).withDtype(DataType.DOUBLE).withGateInit(0.3);
    }

    /** A batch of b rows of length t with random lengths (at least 1 token) and padding after. */
    static TokenBatch batch(RandomGenerator rng, int b, int t, int vocab, int ways) {
        int[][] ids = new int[b][t];
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) {
            int len = 1 + rng.nextInt(t);
            for (int j = 0; j < len; j++) ids[i][j] = 1 + rng.nextInt(vocab - 1);
            labels[i] = i % ways;
        }
        return TokenBatch.of(ids, labels);
    }

    /** Initial parameters plus noise everywhere (so the zero head and unit gammas do not hide gradient paths). */
    static INDArray randomTheta(GatedAttentionLearner learner, long seed) {
        SeededRandom rng = new SeededRandom(seed);
        INDArray theta = learner.initialParameters(rng);
        double[] noise = new double[(int) theta.length()];
        for (int i = 0; i < noise.length; i++) noise[i] = 0.3 * rng.nextGaussian();
        return theta.add(Nd4j.createFromArray(noise).castTo(theta.dataType()));
    }
}
