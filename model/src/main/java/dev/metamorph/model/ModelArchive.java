package dev.metamorph.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and loads a model as one zip file: {@code model.json} (format name and version, dtype,
 * base, parameter layout), {@code model.conf} (the {@code model} config as HOCON, {@code model.base}
 * included), {@code tokenizer.txt} ({@link BpeTokenizer} format; absent for a model over a pretrained
 * base, which uses the base's own tokenizer) and {@code theta.bin} (theta as raw little-endian float32 or
 * float64). Writes go through {@link AtomicFiles} (written fully, forced, verified, renamed). Reading
 * checks entry names, counts and sizes before reading any entry, bounds what each inflates to, and
 * refuses NaN or infinite parameters naming the group.
 */
public final class ModelArchive {
    public static final String FORMAT = "metamorph-model";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A loaded model: config, tokenizer (null for a model over a pretrained base), parameters (owned by the caller). */
    public record Saved(ModelConfig config, BpeTokenizer tokenizer, INDArray theta) {}

    private ModelArchive() {}

    /** Writes the model atomically to {@code file}; {@code tokenizer} must be null exactly when the model reads a base ({@code model.base != none}). */
    public static void save(Path file, ModelConfig config, BpeTokenizer tokenizer, INDArray theta) throws IOException {
        ParamLayout layout = EncoderLayout.of(config);
        if (theta.length() != layout.size()) throw new IllegalArgumentException("theta has " + theta.length() + " values but the layout of this model config holds " + layout.size());
        NonFiniteException.requireFinite("model archive", -1, "theta for " + file, theta, "a diverged model is never saved; train it again with a lower learning rate or gradient clipping");
        if (config.hasBase() && tokenizer != null) throw new IllegalArgumentException("model.base = " + config.base().key() + " tokenizes with the base's own tokenizer; pass no BPE tokenizer");
        if (!config.hasBase() && tokenizer == null) throw new IllegalArgumentException("model.base = none needs the model's BPE tokenizer");
        if (tokenizer != null && tokenizer.vocabSize() > config.vocabSize()) throw new IllegalArgumentException("The tokenizer has " + tokenizer.vocabSize() + " ids but model.vocab-size is " + config.vocabSize());
        byte[] tokenizerBytes = null;
        if (tokenizer != null) {
            ByteArrayOutputStream tok = new ByteArrayOutputStream();
            try (Writer w = new OutputStreamWriter(tok, StandardCharsets.UTF_8)) {
                tokenizer.write(w);
            }
            tokenizerBytes = tok.toByteArray();
        }
        byte[] tokBytes = tokenizerBytes;
        byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(header(config, layout));
        byte[] thetaBytes = littleEndian(theta.castTo(config.dtype()));
        try {
            AtomicFiles.write(file, os -> {
                ZipOutputStream zip = new ZipOutputStream(os);
                put(zip, "model.json", json);
                put(zip, "model.conf", config.toHocon().getBytes(StandardCharsets.UTF_8));
                if (tokBytes != null) put(zip, "tokenizer.txt", tokBytes);
                put(zip, "theta.bin", thetaBytes);
                zip.finish();
            });
        } catch (UncheckedIOException e) {
            throw e.getCause() != null ? new IOException(e.getMessage(), e.getCause()) : new IOException(e.getMessage());
        }
    }

    /** Reads a file written by {@link #save}; checks the format version and that the layout matches the config. */
    public static Saved load(Path file) throws IOException {
        Map<String, byte[]> entries = readEntries(file);
        for (String need : new String[] {"model.json", "model.conf", "theta.bin"}) {
            if (!entries.containsKey(need)) throw new IOException(file + ": entry '" + need + "' is missing; not a model written by ModelArchive.save");
        }
        JsonNode h = JSON.readTree(entries.get("model.json"));
        if (!FORMAT.equals(h.path("format").asText())) throw new IOException(file + "!model.json: format is '" + h.path("format").asText() + "', expected '" + FORMAT + "'");
        int version = h.path("version").asInt(-1);
        if (version != FORMAT_VERSION) throw new IOException(file + "!model.json: format version " + version + " is not supported (this build reads " + FORMAT_VERSION + ")");
        ModelConfig config = ModelConfig.from(ConfigFactory.parseString(new String(entries.get("model.conf"), StandardCharsets.UTF_8)).withFallback(ConfigFactory.defaultReference()));
        ParamLayout layout = EncoderLayout.of(config);
        String base = h.path("base").asText(ModelConfig.Base.NONE.key()); // absent in archives written before model.base existed
        if (!base.equals(config.base().key())) throw new IOException(file + "!model.json: base is '" + base + "' but model.conf says model.base = " + config.base().key());
        if (!config.hasBase() && !entries.containsKey("tokenizer.txt")) throw new IOException(file + ": entry 'tokenizer.txt' is missing; a model with model.base = none needs its tokenizer");
        JsonNode groups = h.path("groups");
        if (groups.size() != layout.groups().size()) throw new IOException(file + "!model.json: " + groups.size() + " parameter groups but model.conf implies " + layout.groups().size());
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = layout.groups().get(i);
            JsonNode j = groups.get(i);
            if (!g.name().equals(j.path("name").asText()) || g.offset() != j.path("offset").asLong() || g.length() != j.path("length").asLong()) {
                throw new IOException(file + "!model.json: group " + i + " is " + j + " but model.conf implies " + g);
            }
        }
        BpeTokenizer tokenizer = config.hasBase() ? null : BpeTokenizer.read(new InputStreamReader(new java.io.ByteArrayInputStream(entries.get("tokenizer.txt")), StandardCharsets.UTF_8), file + "!tokenizer.txt");
        byte[] raw = entries.get("theta.bin");
        int width = config.dtype() == DataType.DOUBLE ? 8 : 4;
        if (layout.size() > MAX_ENTRY_BYTES.get("theta.bin") / width) throw new IOException(file + "!model.conf: the model has " + layout.size() + " parameters, more than this build reads (" + MAX_ENTRY_BYTES.get("theta.bin") / width + ")");
        if (raw.length != layout.size() * width) throw new IOException(file + "!theta.bin: " + raw.length + " bytes, expected " + layout.size() + " x " + width);
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        INDArray theta;
        if (width == 8) {
            double[] v = new double[(int) layout.size()];
            bb.asDoubleBuffer().get(v);
            theta = Nd4j.createFromArray(v);
        } else {
            float[] v = new float[(int) layout.size()];
            bb.asFloatBuffer().get(v);
            theta = Nd4j.createFromArray(v);
        }
        double[] values = theta.castTo(DataType.DOUBLE).toDoubleVector();
        int bad = NonFiniteException.firstNonFinite(values);
        if (bad >= 0) {
            ParamGroup g = layout.groups().stream().filter(x -> bad >= x.offset() && bad < x.offset() + x.length()).findFirst().orElse(null);
            throw new IOException(file + "!theta.bin: parameter " + bad + (g == null ? "" : " (group '" + g.name() + "', entry " + (bad - g.offset()) + ")")
                    + " is " + values[bad] + "; a model with NaN or infinite parameters is refused (use an earlier checkpoint or train again)");
        }
        return new Saved(config, tokenizer, theta);
    }

    /** Largest size of each entry an archive may hold (checked on the declared size before reading, and while reading). */
    static final Map<String, Long> MAX_ENTRY_BYTES = Map.of("model.json", 1L << 20, "model.conf", 1L << 20, "tokenizer.txt", 64L << 20, "theta.bin", 1L << 30);
    /** Most entries an archive may hold (a model has four). */
    static final int MAX_ENTRIES = 16;

    /**
     * Reads the known entries of the archive, refusing before any is read: more than
     * {@link #MAX_ENTRIES} entries, a name with {@code ..}, a leading {@code /} or {@code \\} or a
     * drive letter, a duplicate name, an unknown name, or a declared size over the entry's bound;
     * and while reading, an entry that inflates past its bound (a zip bomb whose sizes lie).
     */
    private static Map<String, byte[]> readEntries(Path file) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() > MAX_ENTRIES) throw new IOException(file + ": " + zip.size() + " entries, more than the " + MAX_ENTRIES + " a model archive may hold");
            List<? extends ZipEntry> list = java.util.Collections.list(zip.entries());
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (ZipEntry e : list) {
                String name = e.getName();
                if (name.contains("..") || name.startsWith("/") || name.startsWith("\\") || name.contains("\\") || name.matches("^[A-Za-z]:.*")) {
                    throw new IOException(file + ": entry '" + name + "' has a path outside the archive; refused");
                }
                if (!seen.add(name)) throw new IOException(file + ": entry '" + name + "' appears twice; refused");
                Long max = MAX_ENTRY_BYTES.get(name);
                if (max == null) throw new IOException(file + ": unknown entry '" + name + "'; a model archive holds " + new java.util.TreeSet<>(MAX_ENTRY_BYTES.keySet()));
                if (e.isDirectory()) throw new IOException(file + ": entry '" + name + "' is a folder; refused");
                if (e.getSize() > max) throw new IOException(file + "!" + name + ": declares " + e.getSize() + " bytes, more than the bound of " + max);
            }
            for (ZipEntry e : list) {
                long max = MAX_ENTRY_BYTES.get(e.getName());
                try (InputStream in = zip.getInputStream(e)) {
                    byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
                    if (data.length > max) throw new IOException(file + "!" + e.getName() + ": inflates past the bound of " + max + " bytes; refused");
                    if (e.getSize() >= 0 && data.length != e.getSize()) throw new IOException(file + "!" + e.getName() + ": declares " + e.getSize() + " bytes but holds " + data.length);
                    entries.put(e.getName(), data);
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": not a readable zip archive (" + e.getMessage() + ")", e);
        }
        return entries;
    }

    private static ObjectNode header(ModelConfig config, ParamLayout layout) {
        ObjectNode h = JSON.createObjectNode();
        h.put("format", FORMAT);
        h.put("version", FORMAT_VERSION);
        h.put("dtype", config.dtype() == DataType.DOUBLE ? "float64" : "float32");
        h.put("base", config.base().key());
        h.put("byte-order", "little-endian");
        h.put("params", layout.size());
        ArrayNode groups = h.putArray("groups");
        for (ParamGroup g : layout.groups()) {
            ObjectNode o = groups.addObject();
            o.put("name", g.name());
            o.put("offset", g.offset());
            o.put("length", g.length());
            ArrayNode s = o.putArray("shape");
            for (long d : g.shape()) s.add(d);
        }
        return h;
    }

    private static byte[] littleEndian(INDArray theta) {
        int n = (int) theta.length();
        boolean dbl = theta.dataType() == DataType.DOUBLE;
        ByteBuffer bb = ByteBuffer.allocate(n * (dbl ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        if (dbl) bb.asDoubleBuffer().put(theta.reshape(n).toDoubleVector());
        else bb.asFloatBuffer().put(theta.reshape(n).toFloatVector());
        return bb.array();
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }
}
