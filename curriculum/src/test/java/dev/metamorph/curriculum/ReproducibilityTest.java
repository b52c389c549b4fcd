package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReproducibilityTest {
    /** Three stages of 15 steps, Adam, EWC on, elastic checks with a zero tolerance (so rollbacks happen), clipping. */
    private static CurriculumConfig config() {
        return SineDomains.quick(3, 15).withOptimizer(CurriculumConfig.OptimizerKind.ADAM, 0.9)
                .withMix(new CurriculumConfig.Mix(List.of(), 0.3, 1.0))
                .withElastic(new CurriculumConfig.Elastic(4, 1.3, 0.5, 0.0, 0.05, 4.0, 2))
                .withEwc(50.0, 4).withGradClip(0.5).withLr(0.03, 0.7).withCheckpointEvery(7);
    }

    private static CurriculumResult run(Path folder, List<Map<String, Object>> events) {
        return new CurriculumEngine<>(SineDomains.learner(), config()).adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(77), events::add, folder);
    }

    private static void assertSameResult(CurriculumResult a, CurriculumResult b) {
        assertArrayEquals(a.theta().toDoubleVector(), b.theta().toDoubleVector(), 0.0);
        double[] ta = a.theta().toDoubleVector();
        double[] tb = b.theta().toDoubleVector();
        for (int i = 0; i < ta.length; i++) assertEquals(Double.doubleToRawLongBits(ta[i]), Double.doubleToRawLongBits(tb[i]), "theta[" + i + "] bitwise");
        assertEquals(a.stages(), b.stages());
        assertEquals(a.rollbacks(), b.rollbacks());
        assertEquals(a.targetLossAfter(), b.targetLossAfter());
        assertEquals(a.baseLossAfter(), b.baseLossAfter());
    }

    @Test
    void sameSeedSameResultBitwise() {
        List<Map<String, Object>> e1 = new ArrayList<>();
        List<Map<String, Object>> e2 = new ArrayList<>();
        CurriculumResult a = run(null, e1);
        CurriculumResult b = run(null, e2);
        assertSameResult(a, b);
        assertEquals(e1, e2);
        assertTrue(a.rollbacks() > 0, "the fixture exercises rollbacks: " + a.rollbacks());
    }

    @Test
    void resumingAfterAMidStageCheckpointEqualsAnUninterruptedRun(@TempDir Path dir) {
        CurriculumResult uninterrupted = run(dir.resolve("a"), new ArrayList<>());

        Path folder = dir.resolve("b");
        long crashAt = 21; // stage 1 (steps 15..29), mid-stage
        RuntimeException crash = assertThrows(RuntimeException.class,
                () -> new CurriculumEngine<>(SineDomains.learner(), config()).adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(77), e -> {
                    if ("checkpoint".equals(e.get("event")) && ((Long) e.get("global-step")) == crashAt) throw new IllegalStateException("simulated crash");
                }, folder));
        assertEquals("simulated crash", crash.getMessage());
        assertTrue(Files.exists(folder.resolve(CurriculumEngine.CHECKPOINT_FILE)));

        List<Map<String, Object>> events = new ArrayList<>();
        // a generator in any state: the checkpoint restores it
        CurriculumResult resumed = new CurriculumEngine<>(SineDomains.learner(), config())
                .adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(12345), events::add, folder);
        Map<String, Object> first = events.get(0);
        assertEquals("resume", first.get("event"));
        assertEquals(1, first.get("stage"));
        assertTrue((int) first.get("step") > 0 && (int) first.get("step") < 15, "resumed mid-stage: " + first);
        assertSameResult(uninterrupted, resumed);

        // a finished run's folder holds its final checkpoint: calling again returns the same result without training
        List<Map<String, Object>> again = new ArrayList<>();
        assertSameResult(uninterrupted, run(dir.resolve("a"), again));
        assertTrue(again.stream().noneMatch(e -> "step".equals(e.get("event")) || "check".equals(e.get("event"))), "no training after the last stage");
    }

    @Test
    void aCheckpointFromAnotherConfigIsRefusedWithWhatToDo(@TempDir Path dir) {
        run(dir, new ArrayList<>());
        CurriculumConfig other = config().withLr(0.5, 0.7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CurriculumEngine<RegressionBatch>(SineDomains.learner(), other)
                .adapt(SineDomains.data(), SineDomains.pretrained(), new SeededRandom(77), ev -> { }, dir));
        assertTrue(e.getMessage().contains("another curriculum config") && e.getMessage().contains("fresh checkpoint folder"), e.getMessage());
    }

    @Test
    void checkpointingNeedsASavableGenerator(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CurriculumEngine<RegressionBatch>(SineDomains.learner(), config())
                .adapt(SineDomains.data(), SineDomains.pretrained(), new java.util.SplittableRandom(1),
                        ev -> { }, dir));
        assertTrue(e.getMessage().contains("SeededRandom"), e.getMessage());
    }
}
