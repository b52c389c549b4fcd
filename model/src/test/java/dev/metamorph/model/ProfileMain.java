package dev.metamorph.model;

import dev.metamorph.core.SeededRandom;
import java.io.File;
import java.util.Collections;
import java.util.List;
import org.nd4j.autodiff.listeners.profiler.ProfilingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Manual profiling entry point (not a test): writes a Chrome trace of lossAndGradient calls. */
final class ProfileMain {
    private ProfileMain() {}

    public static void main(String[] args) {
        ModelConfig c = ModelConfig.defaults().withDtype(DataType.FLOAT);
        GatedAttentionLearner learner = new GatedAttentionLearner(c);
        SeededRandom rng = new SeededRandom(1);
        INDArray theta = learner.initialParameters(rng).reshape(1, learner.layout().size());
        int[][] ids = new int[32][64];
        int[] labels = new int[32];
        for (int i = 0; i < 32; i++) {
            for (int j = 0; j < 64; j++) ids[i][j] = 1 + rng.nextInt(c.vocabSize() - 1);
            labels[i] = i % c.ways();
        }
        List<TokenBatch> b = Collections.nCopies(1, TokenBatch.of(ids, labels));
        for (int i = 0; i < 5; i++) learner.lossAndGradient(theta, b);
        var sess = learner.graphFor(theta, b).getSessions().get(Thread.currentThread().getId());
        var m = (org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr) sess.getMmgr();
        System.out.println("cache enabled " + m.isEnableCache() + " size " + m.getCurrentCacheSize() + " max " + m.getMaxCacheBytes() + " entries " + m.getLruCache().size() + " small " + m.getSmallArrayThreshold());
        learner.graphFor(theta, b).setListeners(new ProfilingListener.Builder(new File(args[0])).recordAll().warmup(3).build());
        for (int i = 0; i < 13; i++) learner.lossAndGradient(theta, b);
    }
}
