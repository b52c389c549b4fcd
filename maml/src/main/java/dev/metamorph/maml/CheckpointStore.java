package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.run.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meta-training checkpoints in one folder: {@code step-000500.ckpt} holds the step, the task
 * sampler's generator state, the algorithm, the {@link MetaLearner}'s theta, alpha and Adam
 * state, and the best theta by meta-validation so far, followed by a SHA-256 of all of it (format 3;
 * format 1 and 2 files, without the hash or the best theta, still load). Files are written through
 * {@link AtomicFiles} (fully, forced, verified, renamed), so a kill or a full disk at any moment
 * leaves the previous checkpoint the newest. {@link #newestVerified} skips a checkpoint that does
 * not verify (hash, step, finite values) and falls back to the next older one.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final int MAGIC = 0x4D4D434B; // "MMCK"
    private static final int VERSION = 3;
    private static final int TRAILER_MAGIC = 0x53484132; // "SHA2"
    private static final int TRAILER_BYTES = 4 + 32;
    private static final Pattern NAME = Pattern.compile("step-(\\d+)\\.ckpt");
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
     * Writes a checkpoint durably and returns its path.
     *
     * @throws NonFiniteException if theta or alpha holds a NaN or infinity (nothing is written)
     * @throws UncheckedIOException if it cannot be written (the previous checkpoint stays the newest)
     */
    public Path save(long step, SeededRandom samplerRng, MetaAlgorithm algorithm, MetaLearner<?> learner, MetaTrainingLoop.Selected best) {
        if (step < 0) throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
        NonFiniteException.requireFinite("meta-train checkpoint", step, "theta", learner.theta(), "a diverged model is never saved");
        NonFiniteException.requireFinite("meta-train checkpoint", step, "alpha (inner rates)", learner.alpha(), "a diverged model is never saved");
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
            byte[] payload = bytes.toByteArray();
            out.writeInt(TRAILER_MAGIC);
            out.write(sha256(payload, payload.length));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode the checkpoint of step " + step + ": " + e, e);
        }
        Path target = dir.resolve(String.format("step-%09d.ckpt", step));
        try {
            AtomicFiles.writeBytes(target, bytes.toByteArray());
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("Cannot write the checkpoint of step " + step + " in " + dir + ": " + e.getMessage(), e.getCause());
        }
        return target;
    }

    /** The checkpoint with the highest step, if any (not verified; see {@link #newestVerified}). */
    public Optional<Path> latest() {
        List<Path> all = newestFirst();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Every {@code step-N.ckpt} of the folder, highest step first. */
    public List<Path> newestFirst() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> NAME.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(CheckpointStore::stepOfName).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list checkpoints in " + dir, e);
        }
    }

    /** A checkpoint that did not verify, and why. */
    public record Rejected(Path file, String reason) {}

    /** The outcome of looking for the newest usable checkpoint. */
    public record Found(Optional<Path> file, Header header, List<Rejected> rejected) {}

    /**
     * Loads the newest checkpoint that verifies (SHA-256, step, finite values, this algorithm and
     * learner) into {@code learner}, falling back to older ones; each one skipped is logged with the
     * reason. The result's file is empty when there are no checkpoints or none verifies (then
     * {@code rejected} says why for each).
     */
    public Found newestVerified(MetaAlgorithm expected, MetaLearner<?> learner) {
        List<Rejected> rejected = new ArrayList<>();
        for (Path f : newestFirst()) {
            try {
                Header h = load(f, expected, learner);
                if (!rejected.isEmpty()) LOG.warn("Resuming from {}, the newest checkpoint that verifies", f);
                return new Found(Optional.of(f), h, List.copyOf(rejected));
            } catch (UncheckedIOException | NonFiniteException e) {
                String why = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause().getMessage() : e.getMessage();
                LOG.warn("Skipping checkpoint {}: {}", f, why);
                rejected.add(new Rejected(f, why));
            }
        }
        return new Found(Optional.empty(), null, List.copyOf(rejected));
    }

    /**
     * Reads a checkpoint into {@code learner} and returns its header; fails naming the file on any
     * mismatch: a hash that does not match, a step that differs from the file name or is negative,
     * a NaN or infinite value (named), another algorithm or learner size.
     */
    public Header load(Path file, MetaAlgorithm expected, MetaLearner<?> learner) {
        try {
            byte[] all = Files.readAllBytes(file);
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
            if (all.length < 8 || in.readInt() != MAGIC) throw new IOException("not a Metamorph meta-training checkpoint");
            int version = in.readInt();
            if (version < 1 || version > VERSION) throw new IOException("checkpoint format version " + version + ", this build reads 1 to " + VERSION);
            if (version >= 3) {
                int payload = all.length - TRAILER_BYTES;
                if (payload < 8) throw new IOException("truncated: " + all.length + " bytes");
                ByteBuffer trailer = ByteBuffer.wrap(all, payload, TRAILER_BYTES);
                byte[] stored = new byte[32];
                if (trailer.getInt() != TRAILER_MAGIC) throw new IOException("truncated or damaged: the SHA-256 trailer is missing");
                trailer.get(stored);
                if (!MessageDigest.isEqual(stored, sha256(all, payload))) throw new IOException("damaged: its SHA-256 does not match its contents");
                in = new DataInputStream(new ByteArrayInputStream(all, 8, payload - 8));
            }
            long step = in.readLong();
            if (step < 0) throw new IOException("step " + step + " is negative");
            long named = stepOfName(file);
            if (named >= 0 && named != step) throw new IOException("it holds step " + step + " but its name says step " + named);
            long[] state = new long[4];
            for (int i = 0; i < 4; i++) state[i] = in.readLong();
            String alg = in.readUTF();
            if (!alg.equals(expected.key())) throw new IOException("checkpoint was written by algorithm '" + alg + "' but maml.algorithm is '" + expected.key() + "'");
            learner.read(in);
            NonFiniteException.requireFinite("checkpoint " + file.getFileName(), step, "theta", learner.theta(), "the checkpoint is refused; resume from an older one or start a new run");
            NonFiniteException.requireFinite("checkpoint " + file.getFileName(), step, "alpha (inner rates)", learner.alpha(), "the checkpoint is refused; resume from an older one or start a new run");
            MetaTrainingLoop.Selected best = null;
            if (version >= 2 && in.readBoolean()) {
                long bestStep = in.readLong();
                String metric = in.readUTF();
                double value = in.readDouble();
                if (bestStep < 0 || bestStep > step) throw new IOException("the best theta's step " + bestStep + " is outside 0.." + step);
                int n = in.readInt();
                if (n != learner.theta().length) throw new IOException("the best theta holds " + n + " values, the learner " + learner.theta().length);
                double[] t = new double[n];
                for (int i = 0; i < t.length; i++) t[i] = in.readDouble();
                NonFiniteException.requireFinite("checkpoint " + file.getFileName(), step, "best theta", t, "the checkpoint is refused; resume from an older one or start a new run");
                if (!Double.isFinite(value)) throw new IOException("the best theta's " + metric + " is " + value);
                best = new MetaTrainingLoop.Selected(bestStep, metric, value, t);
            }
            return new Header(step, state, alg, best);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot resume from checkpoint " + file + ": " + e.getMessage() + " (start a new run or point --resume at a matching run folder)", e);
        }
    }

    private static long stepOfName(Path f) {
        Matcher m = NAME.matcher(f.getFileName().toString());
        if (!m.matches()) return -1;
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(data, 0, length);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
