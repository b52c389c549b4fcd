package dev.metamorph.pipeline.export;

import dev.metamorph.memory.MemoryState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.io.SafeTensors;
import dev.metamorph.core.io.SafeTensorsFile;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.eval.TfidfPrototypeClassifier;
import dev.metamorph.model.EncoderLayout;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.pipeline.QueryHeadConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The adapter bundle: one zip archive ({@code <name>.adapter.zip}) holding
 * <ul>
 *   <li>{@code manifest.json}: format and version, name, domain, base (kind, name, SHA-256),
 *       theta_0's SHA-256, which theta was exported, encoding ({@code full} or {@code lowrank} and
 *       rank), groups with names, shapes and how each is stored, labels, template id, version and
 *       SHA-256, tokenizer reference, lexical channel, memory snapshot (null until the memory
 *       module is wired), the domain's centre ({@code centre}: null when the model feeds the pooled
 *       embeddings as they are) and the head ({@code head}: the evaluation's {@code eval.head} and
 *       its settings; a manifest without it predicts with the model's own head), metrics, every other
 *       entry's SHA-256 and size, created, Metamorph version. Readers ignore fields they do not know;</li>
 *   <li>{@code adapter.safetensors}: the groups' parameters (full: one tensor per group, named and
 *       shaped as the group; lowrank: {@link LowRankDelta}'s tensors, the difference from theta_0,
 *       which then lives beside the bundle as {@code theta0-<sha12>.safetensors});</li>
 *   <li>{@code model.conf} (the model config), {@code support.jsonl} (the records whose embeddings
 *       make each label's prototype), {@code tokenizer.txt} (BPE, only without a base; over a
 *       base the manifest names the base, whose tokenizer it is), {@code lexical.json} (IDF weights
 *       and gain of the lexical channel, when the model has one), {@code centre.safetensors} (the
 *       domain's centre of {@code model.center-pooled}: tensor {@code centre}, F32 [base width]: the
 *       mean pooled base embedding of the domain's meta-train records), {@code templates/<domain>/} (the
 *       domain's template folder), and optionally {@code memory.safetensors}.</li>
 * </ul>
 * Entries are stored uncompressed; the archive is written atomically. Reading refuses, before any
 * entry is used: an archive above the size limit, too many entries, an entry whose declared size is
 * above the limit (reads stop at the declared size), names with {@code ..}, absolute paths,
 * backslashes or drive letters, symbolic links, duplicate names, entries the manifest does not
 * list or listed ones that are missing, any SHA-256 or size mismatch, and a base other than the
 * reader's; each message names the bundle and the entry or base.
 */
public final class AdapterBundle {
    public static final String FORMAT = "metamorph-adapter";
    /**
     * 2: the manifest may carry a domain centre and a fitted head, which change every prediction, so a
     * reader of version 1 (which would ignore them) must refuse such a bundle; bundles without them
     * are written as version 1.
     * 3: the bundle carries a memory store of the domain's unlabeled texts that every row reads as
     * z + g read (its top-k by cosine); version 2 readers knew an older store (labelled slots read
     * through a projection as z - g read) and must refuse it. Bundles without a store keep 1 or 2.
     */
    public static final int FORMAT_VERSION = 3;
    public static final String SUFFIX = ".adapter.zip";
    public static final String MANIFEST = "manifest.json", ADAPTER = "adapter.safetensors", MEMORY = "memory.safetensors", MODEL_CONF = "model.conf",
            SUPPORT = "support.jsonl", TOKENIZER = "tokenizer.txt", LEXICAL = "lexical.json", TEMPLATES = "templates/",
            CENTRE = "centre.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private AdapterBundle() {}

    /** How the parameters are stored. */
    public enum Encoding { FULL, LOWRANK;
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The template the bundle carries: id, version, and its folder's files by name. */
    public record Templates(String id, String version, Map<String, byte[]> files) {}

    /**
     * What an export writes.
     *
     * @param theta the parameters the adapter serves [P] (with {@code lowrank}, before compression)
     * @param theta0 the meta-learned initialisation [P]
     * @param thetaSource which theta this is ({@code curriculum} or {@code theta0})
     * @param tokenizer the BPE tokenizer without a base, else null
     * @param lexical the lexical channel's IDF weights, or null
     * @param metrics figures for the manifest (accuracy, reconstruction error...)
     * @param centre the domain's centre subtracted from each pooled base embedding ({@code model.center-pooled}), or null;
     *               owned by the caller, not changed
     * @param head how the served adapter predicts (the evaluation's {@code eval.head}); null for the model's own head
     */
    public record Contents(String name, String domain, ModelConfig config, INDArray theta, INDArray theta0, String thetaSource, Encoding encoding, int rank,
                           BaseIdentity base, BpeTokenizer tokenizer, List<String> labels, List<Record> support, Templates templates,
                           TfidfPrototypeClassifier lexical, double lexicalGain, Map<String, Object> metrics, String metamorphVersion,
                           float[] centre, QueryHeadConfig head) {
        /** A copy with other manifest metrics. */
        public Contents withMetrics(Map<String, Object> m) {
            return new Contents(name, domain, config, theta, theta0, thetaSource, encoding, rank, base, tokenizer, labels, support, templates, lexical, lexicalGain,
                    m, metamorphVersion, centre, head);
        }
    }

    /** What {@link #write} wrote: the bundle, the theta_0 file (lowrank) and the parameters as stored (after compression). */
    public record Written(Path bundle, Path theta0File, double[] storedTheta, LowRankDelta.Encoded lowRank) {}

    /**
     * A verified, loaded bundle; {@code dir} holds its extracted entries (templates under {@code dir/templates}).
     * {@code centre} is the domain's centre (null when the bundle has none; the record's own array: do not change it);
     * {@code head} how it predicts ({@link QueryHeadConfig#MODEL} for a manifest without {@code head}).
     */
    public record Loaded(String name, String domain, JsonNode manifest, ModelConfig config, INDArray theta, BpeTokenizer tokenizer, List<String> labels,
                         List<Record> support, String templateId, Path templatesRoot, TfidfPrototypeClassifier lexical, double lexicalGain, BaseIdentity base,
                         Path dir, long bundleBytes, float[] centre, QueryHeadConfig head) {}

    // ------------------------------------------------------------------ writing

    /**
     * The memory store of a loaded bundle ({@code memory.safetensors}, verified and extracted into
     * its folder), or null when the manifest's {@code memory} is null.
     *
     * @throws BundleException if the entry is missing or not a memory store
     */
    public static MemoryState memory(Loaded b) {
        if (b.manifest().path("memory").isNull() || b.manifest().path("memory").isMissingNode()) return null;
        Path file = b.dir().resolve(MEMORY);
        if (!Files.isRegularFile(file)) throw new BundleException(b.dir() + ": the manifest names a memory store but the bundle has no " + MEMORY);
        try {
            return MemoryState.load(file);
        } catch (IllegalArgumentException e) {
            throw new BundleException(b.dir() + "!" + MEMORY + ": " + e.getMessage(), e);
        }
    }

    /** The parameters the adapter will serve when written with this encoding (theta itself, or theta_0 + the low-rank delta). */
    public static LowRankDelta.Encoded lowRank(Contents c) {
        return LowRankDelta.encode(EncoderLayout.of(c.config()), c.theta().toDoubleVector(), c.theta0().toDoubleVector(), c.rank());
    }

    /** Writes {@code out} (and, for {@code lowrank}, theta_0 beside it) atomically. */
    public static Written write(Path out, Contents c) {
        return write(out, c, (Path) null);
    }

    /**
     * As {@link #write(Path, Contents)}, with the domain's persistent memory store: {@code memoryFile}
     * is a {@link MemoryState} safetensors file ({@code memory.store}; null for none), written
     * unchanged as the {@code memory.safetensors} entry and described in the manifest's
     * {@code memory} field (file, slots used, capacity, key size, label names).
     */
    public static Written write(Path out, Contents c, Path memoryFile) {
        checkName(c.name(), "bundle name");
        if (c.config().hasBase() != (c.tokenizer() == null)) throw new IllegalArgumentException("A bundle carries a BPE tokenizer exactly when the model has no base");
        ParamLayout layout = EncoderLayout.of(c.config());
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("format_version", memoryFile != null ? 3 : c.centre() != null || (c.head() != null && c.head().fitted()) ? 2 : 1);
        m.put("name", c.name());
        m.put("domain", c.domain());
        m.put("created", Instant.now().toString());
        m.put("metamorph_version", c.metamorphVersion());
        ObjectNode base = m.putObject("base");
        base.put("kind", c.base().kind());
        base.put("name", c.base().name());
        base.put("sha256", c.base().sha256());
        String theta0Sha = thetaSha256(c.theta0(), c.config().dtype());
        ObjectNode t0 = m.putObject("theta0");
        t0.put("sha256", theta0Sha);
        m.put("theta", c.thetaSource());
        m.put("encoding", c.encoding().key());
        m.put("dtype", dtypeName(c.config().dtype()));
        Path theta0File = null;
        double[] stored;
        LowRankDelta.Encoded enc = null;
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        ArrayNode groups = m.putArray("groups");
        if (c.encoding() == Encoding.FULL) {
            stored = c.theta().toDoubleVector();
            for (ParamGroup g : layout.groups()) {
                tensors.put(g.name(), c.theta().reshape(layout.size()).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(g.offset(), g.end())).dup().castTo(c.config().dtype()).reshape('c', g.shapeArray()));
                ObjectNode o = groups.addObject();
                o.put("name", g.name());
                shape(o.putArray("shape"), g.shapeArray());
                o.put("stored", "full");
            }
        } else {
            m.put("rank", c.rank());
            enc = lowRank(c);
            stored = enc.reconstructed();
            for (Map.Entry<String, double[]> e : enc.tensors().entrySet()) {
                tensors.put(e.getKey(), Nd4j.createFromArray(e.getValue()).castTo(c.config().dtype()).reshape('c', enc.shapes().get(e.getKey())));
            }
            for (ParamGroup g : layout.groups()) {
                ObjectNode o = groups.addObject();
                o.put("name", g.name());
                shape(o.putArray("shape"), g.shapeArray());
                Integer r = enc.ranks().get(g.name());
                o.put("stored", r == null ? "delta" : "lowrank");
                if (r != null) o.put("rank", r);
            }
            String file = "theta0-" + theta0Sha.substring(0, 12) + ".safetensors";
            t0.put("file", file);
            theta0File = out.toAbsolutePath().getParent().resolve(file);
            if (!Files.exists(theta0File)) SafeTensors.write(theta0File, Map.of("theta0", c.theta0().reshape(layout.size()).castTo(c.config().dtype())), Map.of("sha256", theta0Sha));
        }
        entries.put(ADAPTER, safetensorsBytes(tensors, Map.of("format", FORMAT, "encoding", c.encoding().key())));
        entries.put(MODEL_CONF, c.config().toHocon().getBytes(StandardCharsets.UTF_8));
        if (c.tokenizer() != null) {
            StringWriter w = new StringWriter();
            try {
                c.tokenizer().write(w);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            entries.put(TOKENIZER, w.toString().getBytes(StandardCharsets.UTF_8));
            m.putObject("tokenizer").put("kind", "bpe").put("file", TOKENIZER);
        } else {
            m.putObject("tokenizer").put("kind", "wordpiece").put("of_base", c.base().name()).put("base_sha256", c.base().sha256());
        }
        StringBuilder support = new StringBuilder();
        for (Record r : c.support()) support.append(recordJson(r)).append('\n');
        entries.put(SUPPORT, support.toString().getBytes(StandardCharsets.UTF_8));
        ArrayNode labels = m.putArray("labels");
        c.labels().forEach(labels::add);
        if (c.lexical() != null) {
            ObjectNode lex = JSON.createObjectNode();
            lex.put("gain", c.lexicalGain());
            lex.put("unseen_idf", c.lexical().unseenIdf());
            ObjectNode idf = lex.putObject("idf");
            c.lexical().idfWeights().forEach(idf::put);
            entries.put(LEXICAL, bytes(lex));
            m.putObject("lexical").put("file", LEXICAL).put("gain", c.lexicalGain());
        } else {
            m.putNull("lexical");
        }
        ObjectNode tpl = m.putObject("template");
        tpl.put("id", c.templates().id());
        tpl.put("version", c.templates().version());
        tpl.put("folder", TEMPLATES + c.domain() + "/");
        for (Map.Entry<String, byte[]> f : c.templates().files().entrySet()) {
            checkName(f.getKey(), "template file");
            entries.put(TEMPLATES + c.domain() + "/" + f.getKey(), f.getValue());
        }
        if (memoryFile != null) {
            MemoryState state = MemoryState.load(memoryFile);
            try {
                entries.put(MEMORY, Files.readAllBytes(memoryFile));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read the memory store " + memoryFile + ": " + e.getMessage(), e);
            }
            ObjectNode mem = m.putObject("memory");
            mem.put("file", MEMORY).put("used", state.used()).put("capacity", state.capacity()).put("key_size", state.keySize());
            ArrayNode names = mem.putArray("labels");
            state.labelNames().forEach(names::add);
        } else {
            m.putNull("memory");
        }
        writeCentreAndHead(c, m, entries);
        ObjectNode metrics = m.putObject("metrics");
        for (Map.Entry<String, Object> e : c.metrics().entrySet()) metrics.set(e.getKey(), JSON.valueToTree(e.getValue()));
        ObjectNode files = m.putObject("files");
        for (Map.Entry<String, byte[]> e : entries.entrySet()) files.putObject(e.getKey()).put("sha256", sha256(e.getValue())).put("bytes", e.getValue().length);
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put(MANIFEST, bytes(m));
        all.putAll(entries);
        AtomicFiles.writeBytes(out, zip(all));
        return new Written(out, theta0File, stored, enc);
    }

    /** The manifest's {@code centre} (and the {@code centre.safetensors} entry) and {@code head}. */
    private static void writeCentreAndHead(Contents c, ObjectNode m, Map<String, byte[]> entries) {
        if (c.centre() != null) {
            if (!c.config().hasBase()) throw new IllegalArgumentException("A domain centre needs a model over a base (model.center-pooled with model.base = none)");
            if (c.centre().length != c.config().baseDim()) throw new IllegalArgumentException("The domain centre has " + c.centre().length + " values; model.base-dim is " + c.config().baseDim());
            entries.put(CENTRE, safetensorsBytes(Map.of("centre", Nd4j.createFromArray(c.centre().clone())), Map.of("format", FORMAT, "of", "pooled base embedding")));
            ObjectNode o = m.putObject("centre");
            o.put("file", CENTRE);
            o.put("tensor", "centre");
            o.put("size", c.centre().length);
            o.put("of", "mean pooled base embedding of the domain's meta-train records (model.center-pooled); subtracted from every record's");
        } else {
            m.putNull("centre");
        }
        QueryHeadConfig h = c.head() == null ? QueryHeadConfig.MODEL : c.head();
        ObjectNode o = m.putObject("head");
        o.put("kind", h.kind().key());
        if (h.fitted()) {
            o.put("lexical_weight", h.lexicalWeight());
            o.put("l2", h.options().l2());
            o.put("max_iterations", h.options().maxIterations());
            o.put("tolerance", h.options().tolerance());
            o.put("min_shots", h.minShots());
        }
    }

    /** The manifest's centre (null when absent: bundles written before the centre was recorded fed the pooled embeddings as they are). */
    private static float[] readCentre(JsonNode m, Map<String, byte[]> entries, Path dir, ModelConfig config, String where) {
        JsonNode c = m.path("centre");
        if (c.isMissingNode() || c.isNull()) return null;
        if (!c.isObject()) throw new BundleException(where + "!" + MANIFEST + ": field 'centre' must be an object or null");
        if (!config.hasBase()) throw new BundleException(where + "!" + MANIFEST + ": a centre of pooled base embeddings but " + MODEL_CONF + " has model.base = none");
        String file = c.path("file").asText(CENTRE);
        if (!file.equals(CENTRE)) throw new BundleException(where + "!" + MANIFEST + ": centre.file is '" + file + "'; this build reads the centre from " + CENTRE);
        need(entries, CENTRE, where);
        SafeTensorsFile st = readSafetensors(dir.resolve(CENTRE), where + "!" + CENTRE);
        String tensor = c.path("tensor").asText("centre");
        if (!st.contains(tensor)) throw new BundleException(where + "!" + CENTRE + ": no tensor '" + tensor + "'");
        double[] v;
        try {
            v = st.getDoubles(tensor);
        } catch (RuntimeException e) {
            throw new BundleException(where + "!" + CENTRE + ": tensor '" + tensor + "' cannot be read as numbers (" + e.getMessage() + ")", e);
        }
        if (v.length != config.baseDim()) throw new BundleException(where + "!" + CENTRE + ": " + v.length + " values but model.base-dim is " + config.baseDim());
        float[] out = new float[v.length];
        for (int k = 0; k < v.length; k++) {
            if (!Double.isFinite(v[k])) throw new BundleException(where + "!" + CENTRE + ": value " + k + " is " + v[k] + "; a centre holds finite values only");
            out[k] = (float) v[k];
        }
        return out;
    }

    /** The manifest's head ({@link QueryHeadConfig#MODEL} when absent: what bundles without it were measured with). */
    private static QueryHeadConfig readHead(JsonNode m, String where) {
        JsonNode h = m.path("head");
        if (h.isMissingNode() || h.isNull()) return QueryHeadConfig.MODEL;
        String kind = h.path("kind").asText("");
        try {
            return switch (kind) {
                case "model" -> QueryHeadConfig.MODEL;
                case "fitted" -> new QueryHeadConfig(QueryHeadConfig.Kind.FITTED, number(h, "lexical_weight", where),
                        new dev.metamorph.eval.LinearProbeClassifier.Options(number(h, "l2", where), (int) number(h, "max_iterations", where), number(h, "tolerance", where)),
                        (int) number(h, "min_shots", where));
                default -> throw new BundleException(where + "!" + MANIFEST + ": head.kind is '" + kind + "'; expected model or fitted");
            };
        } catch (IllegalArgumentException e) {
            throw new BundleException(where + "!" + MANIFEST + ": head: " + e.getMessage(), e);
        }
    }

    private static double number(JsonNode h, String field, String where) {
        JsonNode v = h.path(field);
        if (!v.isNumber()) throw new BundleException(where + "!" + MANIFEST + ": head." + field + " is missing or not a number");
        return v.asDouble();
    }

    private static void shape(ArrayNode a, long[] s) {
        for (long d : s) a.add(d);
    }

    static String dtypeName(DataType t) {
        return t == DataType.DOUBLE ? "F64" : "F32";
    }

    private static byte[] safetensorsBytes(Map<String, INDArray> tensors, Map<String, String> metadata) {
        try {
            Path tmp = Files.createTempFile("metamorph-adapter", ".safetensors");
            try {
                SafeTensors.write(tmp, tensors, metadata);
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode the adapter's safetensors: " + e.getMessage(), e);
        }
    }

    private static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipArchiveEntry z = new ZipArchiveEntry(e.getKey());
                z.setMethod(ZipArchiveEntry.STORED);
                z.setSize(e.getValue().length);
                z.setCompressedSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                z.setCrc(crc.getValue());
                z.setTime(0L);
                zip.putArchiveEntry(z);
                zip.write(e.getValue());
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String recordJson(Record r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("domain", r.domain());
        o.put("label", r.label());
        o.put("text", r.text());
        o.put("source", r.source());
        ObjectNode meta = o.putObject("meta");
        new java.util.TreeMap<>(r.meta()).forEach(meta::put);
        return o.toString();
    }

    /** SHA-256 (hex) of theta's values as little-endian float32 (float model) or float64 (double model), in layout order. */
    public static String thetaSha256(INDArray theta, DataType dtype) {
        int n = (int) theta.length();
        ByteBuffer bb = ByteBuffer.allocate(n * (dtype == DataType.DOUBLE ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DataType.DOUBLE) bb.asDoubleBuffer().put(theta.reshape(n).castTo(DataType.DOUBLE).toDoubleVector());
        else bb.asFloatBuffer().put(theta.reshape(n).castTo(DataType.FLOAT).toFloatVector());
        return sha256(bb.array());
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new BundleException("The " + what + " '" + name + "' must be 1-128 of A-Z a-z 0-9 . _ - and start with a letter or digit");
        }
    }

    /** The adapter name of a bundle file ({@code gcide.adapter.zip} -> {@code gcide}), or null if it is not one. */
    public static String nameOf(Path file) {
        String f = file.getFileName().toString();
        if (!f.endsWith(SUFFIX)) return null;
        String n = f.substring(0, f.length() - SUFFIX.length());
        return NAME.matcher(n).matches() ? n : null;
    }

    // ------------------------------------------------------------------ reading

    /**
     * Verifies and loads a bundle.
     *
     * @param expectedBase the base the caller runs; a bundle made for another is refused
     * @param dir an empty or missing folder to extract the verified entries into (the caller deletes it when done)
     * @throws BundleException naming the bundle and the entry or base at fault
     */
    public static Loaded read(Path bundle, BaseIdentity expectedBase, BundleLimits limits, Path dir) {
        String where = bundle.toString();
        Map<String, byte[]> entries = readEntries(bundle, limits);
        byte[] manifestBytes = entries.remove(MANIFEST);
        if (manifestBytes == null) throw new BundleException(where + ": no " + MANIFEST + " entry; not an adapter bundle written by `metamorph export`");
        JsonNode m;
        try {
            m = JSON.readTree(manifestBytes);
        } catch (IOException e) {
            throw new BundleException(where + "!" + MANIFEST + ": not valid JSON (" + e.getMessage() + "); the bundle is damaged: export it again", e);
        }
        if (m == null || !m.isObject()) throw new BundleException(where + "!" + MANIFEST + ": not a JSON object");
        if (!FORMAT.equals(m.path("format").asText())) throw new BundleException(where + "!" + MANIFEST + ": format is '" + m.path("format").asText() + "', expected '" + FORMAT + "'");
        int version = m.path("format_version").asInt(-1);
        if (version < 1 || version > FORMAT_VERSION) {
            throw new BundleException(where + "!" + MANIFEST + ": format_version " + m.path("format_version") + " is not readable by this build (it reads 1.." + FORMAT_VERSION + "); use a newer Metamorph");
        }
        if (version < 3 && m.path("memory").isObject()) {
            throw new BundleException(where + "!" + MANIFEST + ": a format_version " + version + " bundle with a memory store: its store holds labelled rows read as z - g read, "
                    + "which this build no longer reads; export the run again with this build");
        }
        // every entry listed with the right size and SHA-256, nothing unlisted
        JsonNode files = m.path("files");
        if (!files.isObject()) throw new BundleException(where + "!" + MANIFEST + ": field 'files' is missing or not an object");
        for (String name : entries.keySet()) {
            if (!files.has(name)) throw new BundleException(where + ": entry '" + name + "' is not listed in the manifest's files; the bundle was changed after export");
        }
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            byte[] data = entries.get(f.getKey());
            if (data == null) throw new BundleException(where + ": the manifest lists '" + f.getKey() + "' but the bundle has no such entry");
            String expect = f.getValue().path("sha256").asText();
            String got = sha256(data);
            if (!got.equalsIgnoreCase(expect)) {
                throw new BundleException(where + "!" + f.getKey() + ": SHA-256 " + got + " does not match the manifest's " + expect + "; the file was changed or damaged after export: export it again");
            }
            if (f.getValue().has("bytes") && f.getValue().path("bytes").asLong() != data.length) {
                throw new BundleException(where + "!" + f.getKey() + ": " + data.length + " bytes, the manifest says " + f.getValue().path("bytes").asLong());
            }
        }
        JsonNode b = m.path("base");
        BaseIdentity base = new BaseIdentity(b.path("kind").asText("none"), b.path("name").asText(null), b.path("sha256").asText(""));
        if (!base.sameAs(expectedBase)) {
            throw new BundleException(where + ": made for base " + base + " but this server runs base " + expectedBase
                    + "; serve it with that base (model.base) or export the adapter again from a run over this base");
        }
        String name = text(m, "name", where);
        String domain = text(m, "domain", where);
        // extract the verified entries
        try {
            Files.createDirectories(dir);
            Path root = dir.toRealPath();
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                Path target = root.resolve(e.getKey()).normalize();
                if (!target.startsWith(root)) throw new BundleException(where + ": entry '" + e.getKey() + "' would be written outside the bundle's folder");
                Files.createDirectories(target.getParent());
                Files.write(target, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot extract " + where + " into " + dir + ": " + e.getMessage(), e);
        }
        ModelConfig config;
        try {
            config = ModelConfig.from(ConfigFactory.parseString(new String(need(entries, MODEL_CONF, where), StandardCharsets.UTF_8)).withFallback(ConfigFactory.defaultReference()));
        } catch (RuntimeException e) {
            throw new BundleException(where + "!" + MODEL_CONF + ": " + e.getMessage(), e);
        }
        ParamLayout layout = EncoderLayout.of(config);
        JsonNode groups = m.path("groups");
        if (groups.size() != layout.groups().size()) throw new BundleException(where + "!" + MANIFEST + ": " + groups.size() + " groups but " + MODEL_CONF + " implies " + layout.groups().size());
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = layout.groups().get(i);
            List<Long> shape = new ArrayList<>();
            groups.get(i).path("shape").forEach(x -> shape.add(x.asLong()));
            if (!g.name().equals(groups.get(i).path("name").asText()) || !g.shape().equals(shape)) {
                throw new BundleException(where + "!" + MANIFEST + ": group " + i + " is " + groups.get(i).path("name").asText() + " " + shape + " but " + MODEL_CONF + " implies " + g.name() + " " + g.shape());
            }
        }
        SafeTensorsFile st = readSafetensors(dir.resolve(ADAPTER), where + "!" + ADAPTER);
        double[] theta;
        String encoding = m.path("encoding").asText("full");
        if (encoding.equals("full")) {
            theta = new double[(int) layout.size()];
            for (ParamGroup g : layout.groups()) {
                if (!st.contains(g.name())) throw new BundleException(where + "!" + ADAPTER + ": no tensor '" + g.name() + "'");
                if (!java.util.Arrays.equals(st.shape(g.name()), g.shapeArray())) {
                    throw new BundleException(where + "!" + ADAPTER + ": tensor '" + g.name() + "' has shape " + java.util.Arrays.toString(st.shape(g.name())) + ", group shape " + g.shape());
                }
                System.arraycopy(st.getDoubles(g.name()), 0, theta, (int) g.offset(), (int) g.length());
            }
        } else if (encoding.equals("lowrank")) {
            String file = m.path("theta0").path("file").asText("");
            String sha = m.path("theta0").path("sha256").asText("");
            if (!NAME.matcher(file).matches()) throw new BundleException(where + "!" + MANIFEST + ": theta0.file '" + file + "' is not a plain file name");
            Path t0 = bundle.toAbsolutePath().getParent().resolve(file);
            if (!Files.isRegularFile(t0, LinkOption.NOFOLLOW_LINKS)) {
                throw new BundleException(where + ": a low-rank bundle needs theta_0 (SHA-256 " + sha + ") in " + t0 + ", which is missing; copy it from the export folder next to the bundle");
            }
            SafeTensorsFile t0f = readSafetensors(t0, t0.toString());
            if (!t0f.contains("theta0")) throw new BundleException(t0 + ": no tensor 'theta0'");
            double[] theta0 = t0f.getDoubles("theta0");
            String got = thetaSha256(Nd4j.createFromArray(theta0), config.dtype());
            if (!got.equals(sha)) throw new BundleException(t0 + ": theta_0 SHA-256 " + got + " but " + where + " was made from theta_0 " + sha + "; use the theta0 file written with this bundle");
            if (theta0.length != layout.size()) throw new BundleException(t0 + ": theta_0 has " + theta0.length + " values; the model holds " + layout.size());
            Map<String, double[]> tensors = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String n : st.names()) {
                tensors.put(n, st.getDoubles(n));
                shapes.put(n, st.shape(n));
            }
            theta = LowRankDelta.decode(layout, theta0, tensors, shapes, where + "!" + ADAPTER);
        } else {
            throw new BundleException(where + "!" + MANIFEST + ": encoding '" + encoding + "' is not full or lowrank");
        }
        for (int i = 0; i < theta.length; i++) {
            if (!Double.isFinite(theta[i])) throw new BundleException(where + "!" + ADAPTER + ": parameter " + i + " is " + theta[i] + "; a bundle holds finite parameters only");
        }
        BpeTokenizer tokenizer = null;
        if (!config.hasBase()) {
            try {
                tokenizer = BpeTokenizer.read(new StringReader(new String(need(entries, TOKENIZER, where), StandardCharsets.UTF_8)), where + "!" + TOKENIZER);
            } catch (IOException e) {
                throw new BundleException(where + "!" + TOKENIZER + ": " + e.getMessage(), e);
            }
        }
        List<String> labels = new ArrayList<>();
        m.path("labels").forEach(x -> labels.add(x.asText()));
        if (labels.size() < 2) throw new BundleException(where + "!" + MANIFEST + ": 'labels' must list at least two labels");
        List<Record> support = new ArrayList<>();
        String[] lines = new String(need(entries, SUPPORT, where), StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            try {
                JsonNode r = JSON.readTree(lines[i]);
                Map<String, String> meta = new LinkedHashMap<>();
                r.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
                support.add(new Record(r.path("id").asText(), r.path("domain").asText(), r.path("label").asText(), r.path("text").asText(), r.path("source").asText(""), meta));
            } catch (IOException e) {
                throw new BundleException(where + "!" + SUPPORT + ":" + (i + 1) + ": not a JSON record (" + e.getMessage() + ")", e);
            }
        }
        TfidfPrototypeClassifier lexical = null;
        double gain = 0;
        if (m.path("lexical").isObject()) {
            try {
                JsonNode lex = JSON.readTree(need(entries, LEXICAL, where));
                Map<String, Double> idf = new LinkedHashMap<>();
                lex.path("idf").fields().forEachRemaining(e -> idf.put(e.getKey(), e.getValue().asDouble()));
                lexical = TfidfPrototypeClassifier.fromWeights(idf, lex.path("unseen_idf").asDouble());
                gain = lex.path("gain").asDouble();
            } catch (IOException | IllegalArgumentException e) {
                throw new BundleException(where + "!" + LEXICAL + ": " + e.getMessage(), e);
            }
        }
        String templateId = text(m.path("template"), "id", where + "!" + MANIFEST + " template");
        float[] centre = readCentre(m, entries, dir, config, where);
        QueryHeadConfig head = readHead(m, where);
        return new Loaded(name, domain, m, config, Nd4j.createFromArray(theta).castTo(config.dtype()), tokenizer, List.copyOf(labels), List.copyOf(support),
                templateId, dir.resolve("templates"), lexical, gain, base, dir, sizeOf(bundle), centre, head);
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static SafeTensorsFile readSafetensors(Path file, String where) {
        try {
            return SafeTensors.read(file);
        } catch (RuntimeException e) {
            throw new BundleException(where + ": " + e.getMessage(), e);
        }
    }

    private static byte[] need(Map<String, byte[]> entries, String name, String where) {
        byte[] b = entries.get(name);
        if (b == null) throw new BundleException(where + ": entry '" + name + "' is missing");
        return b;
    }

    private static String text(JsonNode m, String field, String where) {
        String v = m.path(field).asText("");
        if (v.isEmpty()) throw new BundleException(where + ": field '" + field + "' is missing or empty");
        return v;
    }

    /** Every entry's bytes, after checking the archive's size, entry count, names, links and declared sizes. */
    static Map<String, byte[]> readEntries(Path bundle, BundleLimits limits) {
        String where = bundle.toString();
        try {
            if (Files.isSymbolicLink(bundle)) throw new BundleException(where + ": is a symbolic link; put the bundle file itself in the adapters folder");
            if (!Files.isRegularFile(bundle)) throw new BundleException(where + ": no such bundle file");
            long size = Files.size(bundle);
            if (size > limits.maxBundleBytes()) throw new BundleException(where + ": " + size + " bytes, above the limit of " + limits.maxBundleBytes() + " bytes");
        } catch (IOException e) {
            throw new BundleException(where + ": cannot read (" + e.getMessage() + ")", e);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile zf = ZipFile.builder().setPath(bundle).get()) {
            List<ZipArchiveEntry> list = Collections.list(zf.getEntriesInPhysicalOrder());
            if (list.size() > limits.maxEntries()) throw new BundleException(where + ": " + list.size() + " entries, above the limit of " + limits.maxEntries());
            long total = 0;
            for (ZipArchiveEntry e : list) {
                String n = e.getName();
                checkEntryName(n, where);
                if (e.isUnixSymlink()) throw new BundleException(where + ": entry '" + n + "' is a symbolic link; bundles hold regular files only");
                if (e.isDirectory()) continue;
                // only what export writes: commons-compress would otherwise try codecs that are not on the class path
                // (a zstd entry threw NoClassDefFoundError; found by AdapterBundleFuzzTest)
                if (e.getMethod() != ZipArchiveEntry.STORED && e.getMethod() != ZipArchiveEntry.DEFLATED) {
                    throw new BundleException(where + ": entry '" + n + "' uses zip compression method " + e.getMethod()
                            + "; bundles hold stored or deflated entries only: export it again");
                }
                if (out.containsKey(n) || countEntries(zf, n) > 1) {
                    throw new BundleException(where + ": entry '" + n + "' occurs twice");
                }
                long declared = e.getSize();
                if (declared < 0) throw new BundleException(where + ": entry '" + n + "' does not declare its size");
                if (declared > limits.maxEntryBytes()) throw new BundleException(where + ": entry '" + n + "' declares " + declared + " bytes, above the limit of " + limits.maxEntryBytes());
                total += declared;
                if (total > limits.maxTotalBytes()) throw new BundleException(where + ": entries declare more than " + limits.maxTotalBytes() + " bytes in all");
                out.put(n, null);
            }
            for (ZipArchiveEntry e : list) {
                if (e.isDirectory()) continue;
                out.put(e.getName(), readBounded(zf, e, where));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BundleException(where + ": not a readable zip archive (" + e.getMessage() + "); the bundle is damaged: export it again", e);
        }
        return out;
    }

    private static long countEntries(ZipFile zf, String name) {
        long n = 0;
        for (ZipArchiveEntry ignored : zf.getEntries(name)) n++;
        return n;
    }

    private static byte[] readBounded(ZipFile zf, ZipArchiveEntry e, String where) throws IOException {
        long declared = e.getSize();
        try (InputStream in = zf.getInputStream(e)) {
            byte[] buf = in.readNBytes((int) declared);
            if (buf.length != declared) throw new BundleException(where + ": entry '" + e.getName() + "' holds " + buf.length + " bytes but declares " + declared);
            if (in.read() != -1) throw new BundleException(where + ": entry '" + e.getName() + "' holds more bytes than the " + declared + " it declares");
            return buf;
        } catch (IOException | RuntimeException ex) {
            if (ex instanceof BundleException be) throw be;
            throw new BundleException(where + ": entry '" + e.getName() + "' cannot be read (" + ex.getMessage() + "); the bundle is damaged: export it again", ex);
        }
    }

    /** Refuses names that could leave the extraction folder: {@code ..} segments, absolute paths, backslashes, drive letters, empty segments. */
    static void checkEntryName(String n, String where) {
        boolean bad = n.isEmpty() || n.startsWith("/") || n.contains("\\") || n.contains("\0") || (n.length() > 1 && n.charAt(1) == ':');
        if (!bad) {
            String trimmed = n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
            for (String seg : trimmed.split("/", -1)) if (seg.isEmpty() || seg.equals("..") || seg.equals(".")) bad = true;
        }
        if (bad) throw new BundleException(where + ": entry name '" + n + "' is refused (absolute, '..', '.', backslash, drive letter or empty segment); a bundle's entries stay inside it");
    }
}
