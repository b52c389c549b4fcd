package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.NonFiniteException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Meta-training checkpoints in one folder: {@code step-000500.ckpt} holds the step, the task
 * sampler's generator state, the algorithm, the {@link MetaLearner}'s theta, alpha and Adam
 * state, and the best theta by meta-validation so far (format 2; format 1 files, without it, still load). Each file is written to a temporary file in the same folder, forced to disk, then moved
 * into place with ATOMIC_MOVE, so a kill at any moment leaves either the old or the new file.
 */
public final class CheckpointStore {
    private static final int MAGIC = 0x4D4D434B; // "MMCK"
    private static final int VERSION = 2;
    private final Path dir;

    public CheckpointStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** What a checkpoint restores besides the learner's state; {@code best} may be null. */
    public record Header(long step, long[] samplerState, String algorithm, MetaTrainingLoop.Selected best) {}

    /** As {@link #save(long, SeededRandom, MetaAlgorithm, MetaLearner, MetaTrainingLoop.Selected)} with no selection yet. */
    public Path save(long step, SeededRandom samplerRng, MetaAlgorithm algorithm, MetaLearner<?> learner) {
        return save(step, samplerRng, algorithm, learner, null);
    }

    /**
     * Writes a checkpoint atomically and returns its path.
     *
     * @throws NonFiniteException if theta or alpha holds a NaN or infinity (nothing is written)
     */
    public Path save(long step, SeededRandom samplerRng, MetaAlgorithm algorithm, MetaLearner<?> learner, MetaTrainingLoop.Selected best) {
        NonFiniteException.requireFinite("meta-train checkpoint", step, "theta", learner.theta(), "a diverged model is never saved");
        NonFiniteException.requireFinite("meta-train checkpoint", step, "alpha (inner rates)", learner.alpha(), "a diverged model is never saved");
        try {
            Files.createDirectories(dir);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(step);
                for (long w : samplerRng.state()) out.writeLong(w);
                out.writeUTF(algorithm.key());
                learner.write(out);
                out.writeBoolean(best != null);
                if (best != null) {
                    out.writeLong(best.step());
                    out.writeUTF(best.metric());
                    out.writeDouble(best.value());
                    double[] t = best.theta();
                    out.writeInt(t.length);
                    for (double x : t) out.writeDouble(x);
                }
            }
            Path target = dir.resolve(String.format("step-%09d.ckpt", step));
            Path tmp = Files.createTempFile(dir, ".step-", ".tmp");
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write checkpoint for step " + step + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint with the highest step, if any. */
    public Optional<Path> latest() {
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().matches("step-\\d+\\.ckpt")).max(Path::compareTo);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list checkpoints in " + dir, e);
        }
    }

    /** Reads a checkpoint into {@code learner} and returns its header; fails naming the file on any mismatch. */
    public Header load(Path file, MetaAlgorithm expected, MetaLearner<?> learner) {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            if (in.readInt() != MAGIC) throw new IOException("not a Metamorph meta-training checkpoint");
            int version = in.readInt();
            if (version != 1 && version != VERSION) throw new IOException("checkpoint format version " + version + ", this build reads 1 to " + VERSION);
            long step = in.readLong();
            long[] state = new long[4];
            for (int i = 0; i < 4; i++) state[i] = in.readLong();
            String alg = in.readUTF();
            if (!alg.equals(expected.key())) throw new IOException("checkpoint was written by algorithm '" + alg + "' but maml.algorithm is '" + expected.key() + "'");
            learner.read(in);
            MetaTrainingLoop.Selected best = null;
            if (version >= 2 && in.readBoolean()) {
                long bestStep = in.readLong();
                String metric = in.readUTF();
                double value = in.readDouble();
                double[] t = new double[in.readInt()];
                if (t.length != learner.theta().length) throw new IOException("the best theta holds " + t.length + " values, the learner " + learner.theta().length);
                for (int i = 0; i < t.length; i++) t[i] = in.readDouble();
                best = new MetaTrainingLoop.Selected(bestStep, metric, value, t);
            }
            return new Header(step, state, alg, best);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot resume from checkpoint " + file + ": " + e.getMessage() + " (start a new run or point --resume at a matching run folder)", e);
        }
    }
}
