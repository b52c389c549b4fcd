package dev.metamorph.model.base;

import dev.metamorph.core.io.SafeTensors;
import dev.metamorph.core.io.SafeTensorsFile;
import dev.metamorph.core.io.SafeTensorsFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes each text's base features once per (base SHA-256, base max-length, template id and
 * version, text SHA-256) and keeps them in safetensors shards under
 * {@code <cache>/<base sha256 prefix>-L<max-length>/<template id>@<version>/}. A shard holds, for up
 * to {@value #SHARD_TEXTS} texts, their SHA-256 ({@code text_sha256}, U8 [n, 32]), word-piece counts
 * ({@code lengths}, I32), pooled vectors ({@code pooled}, F32 [n, hidden]) and, when token states
 * were asked for, the states of all texts one after another ({@code states}, F16 [sum of lengths,
 * hidden]; float16 moves a pooled vector by a cosine of at most ~1e-6, measured in FeatureCacheTest).
 * Its metadata names the format, the base, the template and a SHA-256 of the pooled part and of
 * the states: a shard that is truncated, corrupted or from another base or template is deleted
 * and its texts computed again. Shards are written atomically (core's safetensors writer), one per
 * {@value #SHARD_TEXTS} computed texts, so an interrupted run keeps what it finished; a file lock
 * on the key folder lets a second process wait and then read what the first computed. States are
 * read on demand from the memory-mapped shard, so callers asking only for pooled vectors (cheap)
 * never load them.
 */
public final class FeatureCache {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureCache.class);
    static final String FORMAT = "metamorph-base-features";
    static final String FORMAT_VERSION = "1";
    static final int SHARD_TEXTS = 2048;
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path root;
    private final BaseEncoder base;
    private final int shardTexts;

    /**
     * @param root the cache folder ({@code model.base-cache-dir}, resolved)
     * @param base the base whose features are cached; its SHA-256 keys the cache
     */
    public FeatureCache(Path root, BaseEncoder base) {
        this(root, base, SHARD_TEXTS);
    }

    /** As {@link #FeatureCache(Path, BaseEncoder)} with {@code shardTexts} texts per shard (small shards: more, shorter durable writes, as the fault-injection harness wants). */
    public FeatureCache(Path root, BaseEncoder base, int shardTexts) {
        if (shardTexts < 1) throw new IllegalArgumentException("shardTexts must be >= 1, got " + shardTexts);
        this.root = root;
        this.base = base;
        this.shardTexts = shardTexts;
    }

    /** The folder that holds the shards of one template version under this base. */
    public Path keyFolder(String templateId, String templateVersion) {
        return root.resolve(base.sha256().substring(0, 16) + "-L" + base.config().maxLength())
                .resolve(safe(templateId) + "@" + safe(templateVersion));
    }

    /**
     * The features of {@code texts} rendered with template {@code templateId} version
     * {@code templateVersion}, computing and storing the ones not yet cached.
     *
     * @param withStates also token states (read lazily from the shards); false for pooled vectors only
     * @param progress told about texts computed (not about cache hits)
     */
    public BaseFeatures features(String templateId, String templateVersion, List<String> texts, boolean withStates, FeatureProgress progress) {
        Path folder = keyFolder(templateId, templateVersion);
        ReentrantLock local = IN_PROCESS.computeIfAbsent(folder.toAbsolutePath().normalize(), k -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(folder);
            try (FileChannel lockFile = FileChannel.open(folder.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                removeStaleTemporaries(folder);
                Map<String, Entry> index = index(folder, templateId, templateVersion, withStates);
                List<String> hashes = new ArrayList<>(texts.size());
                LinkedHashMap<String, String> missing = new LinkedHashMap<>();
                for (String t : texts) {
                    String h = sha256Hex(t.getBytes(StandardCharsets.UTF_8));
                    hashes.add(h);
                    Entry e = index.get(h);
                    if (e == null || (withStates && !e.shard.hasStates)) missing.putIfAbsent(h, t);
                }
                if (!missing.isEmpty()) compute(folder, templateId, templateVersion, missing, withStates, index, progress);
                Entry[] entries = new Entry[texts.size()];
                for (int i = 0; i < entries.length; i++) entries[i] = index.get(hashes.get(i));
                return new Cached(base.hiddenSize(), entries, withStates);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use the base feature cache " + folder + ": " + e
                    + "; check that model.base-cache-dir is writable (or delete the folder to rebuild it)", e);
        } finally {
            local.unlock();
        }
    }

    private void compute(Path folder, String templateId, String templateVersion, Map<String, String> missing, boolean withStates,
            Map<String, Entry> index, FeatureProgress progress) throws IOException {
        List<Map.Entry<String, String>> todo = new ArrayList<>(missing.entrySet());
        progress.start("base features " + templateId + "@" + templateVersion, todo.size());
        try {
            int next = nextShardNumber(folder);
            for (int from = 0; from < todo.size(); from += shardTexts) {
                List<Map.Entry<String, String>> part = todo.subList(from, Math.min(todo.size(), from + shardTexts));
                List<String> texts = new ArrayList<>(part.size());
                for (Map.Entry<String, String> e : part) texts.add(e.getValue());
                BaseFeatures f = base.encode(texts, progress::advance);
                Path file = folder.resolve(String.format("shard-%06d.safetensors", next++));
                write(file, templateId, templateVersion, part, f, withStates);
                Shard shard = open(file, templateId, templateVersion, withStates);
                if (shard == null) throw new IllegalStateException("The feature shard " + file + " just written does not read back; check the disk");
                shard.addTo(index);
            }
        } finally {
            progress.finish();
        }
    }

    private void write(Path file, String templateId, String templateVersion, List<Map.Entry<String, String>> part, BaseFeatures f,
            boolean withStates) {
        int n = part.size();
        int h = f.hiddenSize();
        byte[] textHashes = new byte[n * 32];
        int[] lengths = new int[n];
        float[] pooled = new float[n * h];
        long total = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(HexFormat.of().parseHex(part.get(i).getKey()), 0, textHashes, i * 32, 32);
            lengths[i] = f.length(i);
            System.arraycopy(f.pooled(i), 0, pooled, i * h, h);
            total += lengths[i];
        }
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("text_sha256", Nd4j.createFromArray(textHashes).castTo(DataType.UBYTE).reshape('c', n, 32));
        tensors.put("lengths", Nd4j.createFromArray(lengths));
        tensors.put("pooled", Nd4j.createFromArray(pooled).reshape('c', n, h));
        Map<String, String> meta = metadata(templateId, templateVersion, withStates, n);
        meta.put("pooled-sha256", pooledHash(textHashes, lengths, pooled));
        if (withStates) {
            float[] all = new float[Math.toIntExact(total * h)];
            int at = 0;
            for (int i = 0; i < n; i++) {
                float[] s = f.states(i);
                System.arraycopy(s, 0, all, at, s.length);
                at += s.length;
            }
            INDArray half = Nd4j.createFromArray(all).castTo(DataType.HALF).reshape('c', total, h);
            MessageDigest d = sha256();
            updateFloats(d, half.castTo(DataType.FLOAT).data().asFloat());
            meta.put("states-sha256", HexFormat.of().formatHex(d.digest()));
            tensors.put("states", half);
        }
        SafeTensors.write(file, tensors, meta);
    }

    private Map<String, String> metadata(String templateId, String templateVersion, boolean withStates, int n) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("format-version", FORMAT_VERSION);
        m.put("base-sha256", base.sha256());
        m.put("base-name", base.name());
        m.put("base-max-length", Integer.toString(base.config().maxLength()));
        m.put("hidden-size", Integer.toString(base.hiddenSize()));
        m.put("template-id", templateId);
        m.put("template-version", templateVersion);
        m.put("texts", Integer.toString(n));
        m.put("states", Boolean.toString(withStates));
        return m;
    }

    /** Reads every shard of {@code folder}; deletes those that are damaged or belong elsewhere. */
    private Map<String, Entry> index(Path folder, String templateId, String templateVersion, boolean withStates) throws IOException {
        Map<String, Entry> index = new HashMap<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "shard-*.safetensors")) {
            for (Path p : ds) files.add(p);
        }
        files.sort(null);
        for (Path p : files) {
            Shard s = open(p, templateId, templateVersion, withStates);
            if (s == null) {
                Files.deleteIfExists(p);
            } else {
                s.addTo(index);
            }
        }
        return index;
    }

    /** The shard in {@code p}, or null (with a warning) when it is damaged or not this key's. */
    private Shard open(Path p, String templateId, String templateVersion, boolean verifyStates) {
        SafeTensorsFile f;
        try {
            f = SafeTensors.read(p);
        } catch (SafeTensorsFormatException | UncheckedIOException e) {
            LOG.warn("Feature shard {} is damaged ({}); it is deleted and its texts computed again", p, e.getMessage());
            return null;
        }
        Map<String, String> meta = f.metadata();
        boolean hasStates = "true".equals(meta.get("states"));
        Map<String, String> expected = metadata(templateId, templateVersion, hasStates, 0);
        expected.remove("texts");
        expected.remove("base-name");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!e.getValue().equals(meta.get(e.getKey()))) {
                LOG.warn("Feature shard {} is not this cache's: its {} is '{}', expected '{}'; it is deleted and its texts computed again",
                        p, e.getKey(), meta.get(e.getKey()), e.getValue());
                return null;
            }
        }
        try {
            int h = base.hiddenSize();
            double[] hashes = f.getDoubles("text_sha256");
            double[] len = f.getDoubles("lengths");
            int n = len.length;
            float[] pooled = f.getFloats("pooled", 0, n * h);
            byte[] textHashes = new byte[n * 32];
            int[] lengths = new int[n];
            for (int i = 0; i < textHashes.length; i++) textHashes[i] = (byte) hashes[i];
            for (int i = 0; i < n; i++) lengths[i] = (int) len[i];
            if (hashes.length != n * 32 || !pooledHash(textHashes, lengths, pooled).equals(meta.get("pooled-sha256"))) {
                LOG.warn("Feature shard {} fails its pooled-sha256 check (corrupted); it is deleted and its texts computed again", p);
                return null;
            }
            long[] offsets = new long[n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                offsets[i] = total;
                total += lengths[i];
            }
            if (hasStates) {
                if (f.shape("states")[0] != total || f.shape("states")[1] != h) {
                    LOG.warn("Feature shard {} has states of shape {} x {} but its lengths sum to {}; it is deleted", p, f.shape("states")[0], f.shape("states")[1], total);
                    return null;
                }
                if (verifyStates && !statesHash(f, total * h).equals(meta.get("states-sha256"))) {
                    LOG.warn("Feature shard {} fails its states-sha256 check (corrupted); it is deleted and its texts computed again", p);
                    return null;
                }
            }
            return new Shard(f, hasStates, textHashes, lengths, offsets, pooled, h);
        } catch (RuntimeException e) {
            LOG.warn("Feature shard {} cannot be read ({}); it is deleted and its texts computed again", p, e.toString());
            return null;
        }
    }

    private static String statesHash(SafeTensorsFile f, long elements) {
        MessageDigest d = sha256();
        final int chunk = 1 << 20;
        for (long at = 0; at < elements; at += chunk) {
            updateFloats(d, f.getFloats("states", at, (int) Math.min(chunk, elements - at)));
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static String pooledHash(byte[] textHashes, int[] lengths, float[] pooled) {
        MessageDigest d = sha256();
        d.update(textHashes);
        ByteBuffer b = ByteBuffer.allocate(lengths.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int l : lengths) b.putInt(l);
        d.update(b.array());
        updateFloats(d, pooled);
        return HexFormat.of().formatHex(d.digest());
    }

    private static void updateFloats(MessageDigest d, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        d.update(b.array());
    }

    private static int nextShardNumber(Path folder) throws IOException {
        int max = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "shard-*.safetensors")) {
            for (Path p : ds) {
                String n = p.getFileName().toString().replaceAll("\\D", "");
                if (!n.isEmpty()) max = Math.max(max, Integer.parseInt(n));
            }
        }
        return max + 1;
    }

    /** Temporary files of writes that a killed process left; safe to delete while holding the lock. */
    private static void removeStaleTemporaries(Path folder) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, ".shard-*.tmp")) {
            for (Path p : ds) {
                LOG.info("Removing {} left by an interrupted write", p);
                Files.deleteIfExists(p);
            }
        }
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /** One checked shard: its mapped file and the per-text index. */
    private static final class Shard {
        final SafeTensorsFile file;
        final boolean hasStates;
        final byte[] textHashes;
        final int[] lengths;
        final long[] offsets;
        final float[] pooled;
        final int hidden;

        Shard(SafeTensorsFile file, boolean hasStates, byte[] textHashes, int[] lengths, long[] offsets, float[] pooled, int hidden) {
            this.file = file;
            this.hasStates = hasStates;
            this.textHashes = textHashes;
            this.lengths = lengths;
            this.offsets = offsets;
            this.pooled = pooled;
            this.hidden = hidden;
        }

        /** Adds this shard's texts; an entry with states wins over one without. */
        void addTo(Map<String, Entry> index) {
            HexFormat hex = HexFormat.of();
            for (int i = 0; i < lengths.length; i++) {
                String h = hex.formatHex(textHashes, i * 32, i * 32 + 32);
                Entry old = index.get(h);
                if (old == null || (hasStates && !old.shard.hasStates)) index.put(h, new Entry(this, i));
            }
        }

        float[] pooled(int row) {
            float[] out = new float[hidden];
            System.arraycopy(pooled, row * hidden, out, 0, hidden);
            return out;
        }

        float[] states(int row) {
            return file.getFloats("states", offsets[row] * hidden, lengths[row] * hidden);
        }
    }

    private record Entry(Shard shard, int row) { }

    /** Features served from shards: pooled vectors copied at lookup, states read from the mapping per call. */
    private static final class Cached implements BaseFeatures {
        private final int hidden;
        private final Entry[] entries;
        private final boolean withStates;

        Cached(int hidden, Entry[] entries, boolean withStates) {
            this.hidden = hidden;
            this.entries = entries;
            this.withStates = withStates;
        }

        @Override public int size() { return entries.length; }
        @Override public int hiddenSize() { return hidden; }
        @Override public boolean hasStates() { return withStates; }
        @Override public int length(int i) { return entries[i].shard.lengths[entries[i].row]; }
        @Override public float[] pooled(int i) { return entries[i].shard.pooled(entries[i].row); }

        @Override
        public float[] states(int i) {
            if (!withStates) throw new IllegalStateException("These features hold pooled vectors only; ask the feature cache with withStates = true");
            return entries[i].shard.states(entries[i].row);
        }
    }
}
