package dev.metamorph.pipeline.sinusoid;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.maml.MamlConfig;
import java.nio.file.Path;

/** Child process of {@link ResumeTest}: meta-trains in a run folder until killed (or done). */
public final class ResumeChild {
    private ResumeChild() {}

    public static void main(String[] args) {
        MamlConfig c = ResumeTest.config();
        SinusoidMetaTraining.train(c, new SeedSequence(ResumeTest.SEED), Path.of(args[0]), true, c.iterations(), false);
    }
}
