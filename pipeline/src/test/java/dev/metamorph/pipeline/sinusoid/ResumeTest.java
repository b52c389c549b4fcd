package dev.metamorph.pipeline.sinusoid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A meta-training run killed with SIGKILL and resumed from its checkpoints ends with bitwise the
 * same theta as an uninterrupted run with the same seed (Meta-SGD: theta, learned rates and Adam
 * state are all restored), and so does a run stopped and resumed in a fresh loop object.
 */
class ResumeTest {
    static final long SEED = 42;

    static MamlConfig config() {
        return MamlConfig.defaults().withAlgorithm(MetaAlgorithm.META_SGD).withIterations(1500).withSchedule(500, 10).withThreads(1).withMetaBatch(10);
    }

    private static long checkpoints(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ckpt")).count();
        }
    }

    @Test
    void sigkilledRunResumesToTheSameTheta(@TempDir Path tmp) throws Exception {
        MamlConfig c = config();
        double[] reference = SinusoidMetaTraining.train(c, new SeedSequence(SEED), tmp.resolve("uninterrupted"), false, c.iterations(), false);

        Path run = tmp.resolve("killed");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), ResumeChild.class.getName(), run.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (checkpoints(run.resolve("checkpoints")) < 3 && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(child.isAlive(), "the child finished before it could be killed; see " + tmp.resolve("child.log") + ": " + Files.readString(tmp.resolve("child.log")));
        child.destroyForcibly();   // SIGKILL on Unix
        child.waitFor();
        long written = checkpoints(run.resolve("checkpoints"));
        assertTrue(written >= 3 && written < 150, "killed mid-run, checkpoints written: " + written);

        double[] resumed = SinusoidMetaTraining.train(c, new SeedSequence(SEED), run, true, c.iterations(), false);
        assertArrayEquals(reference, resumed, 0.0, "resumed theta differs from the uninterrupted run");
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"event\":\"val\"")), "metrics.jsonl has validation events");
    }

    @Test
    void stoppedRunResumesInAFreshLoopToTheSameTheta(@TempDir Path tmp) {
        MamlConfig c = config().withAlgorithm(MetaAlgorithm.MAML).withThreads(2);
        double[] reference = SinusoidMetaTraining.train(c, new SeedSequence(SEED), tmp.resolve("a"), false, c.iterations(), false);
        SinusoidMetaTraining.train(c, new SeedSequence(SEED), tmp.resolve("b"), false, 137, false);
        double[] resumed = SinusoidMetaTraining.train(c, new SeedSequence(SEED), tmp.resolve("b"), true, c.iterations(), false);
        assertArrayEquals(reference, resumed, 0.0);
    }
}
