package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.model.mlp.MlpLearner;
import dev.metamorph.testing.SmallDisk;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints carry a SHA-256; resume falls back past one that does not verify (damaged, NaN,
 * misnamed) to the newest that does and still ends bitwise where an uninterrupted run ends; a
 * folder whose checkpoints all fail is refused naming each; a full disk during a save leaves the
 * previous checkpoint the newest.
 */
class CheckpointVerifyTest {
    private static final MamlConfig CONFIG = MamlConfig.defaults().withAlgorithm(MetaAlgorithm.FOMAML).withIterations(8)
            .withSchedule(0, 1).withMetaBatch(2).withThreads(1);

    private static MetaTrainingLoop<RegressionBatch> loop(Path dir, MetaLearner<RegressionBatch> learner, SeedSequence seeds) {
        return new MetaTrainingLoop<>(CONFIG, learner, new SinusoidTaskSampler(5, 5), seeds.child("sampler"), List.of(), new CheckpointStore(dir), m -> { }, false);
    }

    private static MetaLearner<RegressionBatch> learner(SeedSequence seeds) {
        MlpLearner mlp = new MlpLearner(List.of(1, 16, 1));
        return new MetaLearner<>(CONFIG, mlp.layout(), mlp.initialParameterArray(seeds.child("init")), MetaGradients.create(mlp, CONFIG, RegressionBatch::concat));
    }

    /** Trains to {@code stop} in {@code dir} (checkpoint every step) and returns theta. */
    private static double[] train(Path dir, long stop, boolean resume) {
        SeedSequence seeds = new SeedSequence(3);
        try (MetaLearner<RegressionBatch> l = learner(seeds)) {
            MetaTrainingLoop<RegressionBatch> loop = loop(dir, l, seeds);
            if (resume) loop.resume();
            loop.runUntil(stop);
            return l.theta();
        }
    }

    private static Path ckpt(Path dir, long step) {
        return dir.resolve(String.format("step-%09d.ckpt", step));
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedAndTheRunStillEndsBitwiseEqual(@TempDir Path tmp) throws Exception {
        double[] reference = train(tmp.resolve("a"), 8, false);
        Path dir = tmp.resolve("b");
        train(dir, 5, false);
        byte[] b = Files.readAllBytes(ckpt(dir, 5));
        b[b.length / 2] ^= 1;
        Files.write(ckpt(dir, 5), b);
        SeedSequence seeds = new SeedSequence(3);
        try (MetaLearner<RegressionBatch> l = learner(seeds)) {
            MetaTrainingLoop<RegressionBatch> loop = loop(dir, l, seeds);
            assertEquals(Optional.of(4L), loop.resume(), "fell back to step 4");
            loop.runUntil(8);
            assertArrayEquals(reference, l.theta(), 0.0);
        }
    }

    @Test
    void aCheckpointWithANaNIsRefusedByNameAndAMisnamedOneByStep(@TempDir Path dir) throws Exception {
        train(dir, 3, false);
        // step 3: put a NaN into theta[0] and make the hash match again, so only the value check can catch it
        byte[] b = Files.readAllBytes(ckpt(dir, 3));
        int utf = ByteBuffer.wrap(b, 48, 2).getShort();
        int thetaAt = 48 + 2 + utf + 4;
        ByteBuffer.wrap(b).putDouble(thetaAt, Double.NaN);
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(java.util.Arrays.copyOf(b, b.length - 36));
        System.arraycopy(sha, 0, b, b.length - 32, 32);
        Files.write(ckpt(dir, 3), b);
        // step 2's bytes under the name of step 7
        Files.copy(ckpt(dir, 2), ckpt(dir, 7));
        SeedSequence seeds = new SeedSequence(3);
        try (MetaLearner<RegressionBatch> l = learner(seeds)) {
            CheckpointStore store = new CheckpointStore(dir);
            CheckpointStore.Found found = store.newestVerified(MetaAlgorithm.FOMAML, l);
            assertEquals(Optional.of(ckpt(dir, 2)), found.file());
            assertEquals(2, found.rejected().size());
            assertTrue(found.rejected().get(0).reason().contains("holds step 2 but its name says step 7"), found.rejected().get(0).reason());
            assertTrue(found.rejected().get(1).reason().contains("theta entry 0 of") && found.rejected().get(1).reason().contains("NaN"), found.rejected().get(1).reason());
        }
    }

    @Test
    void aFolderWhoseCheckpointsAllFailIsRefusedNamingEach(@TempDir Path dir) throws Exception {
        train(dir, 2, false);
        for (long s = 1; s <= 2; s++) Files.write(ckpt(dir, s), java.util.Arrays.copyOf(Files.readAllBytes(ckpt(dir, s)), 40));
        SeedSequence seeds = new SeedSequence(3);
        try (MetaLearner<RegressionBatch> l = learner(seeds)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop(dir, l, seeds).resume());
            assertTrue(e.getMessage().contains("step-000000001.ckpt") && e.getMessage().contains("step-000000002.ckpt")
                    && e.getMessage().contains("Start a new run"), e.getMessage());
        }
        assertEquals(Optional.empty(), loop(dir.resolve("empty"), learner(seeds), seeds).resume(), "an empty folder is a fresh start");
    }

    @Test
    void aFullDiskDuringASaveLeavesThePreviousCheckpointTheNewest(@TempDir Path tmp) throws Exception {
        try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 2 << 20)) {
            Path dir = disk.root().resolve("checkpoints");
            SeedSequence seeds = new SeedSequence(3);
            try (MetaLearner<RegressionBatch> l = new MetaLearner<>(CONFIG, new MlpLearner(List.of(1, 200, 1)).layout(),
                    new MlpLearner(List.of(1, 200, 1)).initialParameterArray(seeds.child("init")),
                    MetaGradients.create(new MlpLearner(List.of(1, 200, 1)), CONFIG, RegressionBatch::concat))) {
                CheckpointStore store = new CheckpointStore(dir);
                store.save(1, seeds.child("sampler"), MetaAlgorithm.FOMAML, l);
                long size = Files.size(ckpt(dir, 1));
                byte[] before = Files.readAllBytes(ckpt(dir, 1));
                for (long free : new long[] {0, 4096, size / 2}) {
                    disk.fillLeaving(free);
                    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> store.save(2, seeds.child("sampler"), MetaAlgorithm.FOMAML, l),
                            "a " + size + "-byte checkpoint cannot fit in " + free + " free bytes");
                    assertTrue(e.getMessage().contains("No space left") && e.getMessage().contains("step 2"), e.getMessage());
                    disk.unfill();
                    try (Stream<Path> s = Files.list(dir)) {
                        assertEquals(List.of("step-000000001.ckpt"), s.map(p -> p.getFileName().toString()).toList(), "no temporary or cut-short file is left");
                    }
                    assertArrayEquals(before, Files.readAllBytes(ckpt(dir, 1)));
                    assertEquals(Optional.of(ckpt(dir, 1)), store.newestVerified(MetaAlgorithm.FOMAML, l).file());
                }
                store.save(2, seeds.child("sampler"), MetaAlgorithm.FOMAML, l);
                assertEquals(Optional.of(ckpt(dir, 2)), store.newestVerified(MetaAlgorithm.FOMAML, l).file(), "with room again the next save succeeds");
            }
        }
    }
}
