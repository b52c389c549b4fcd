package dev.metamorph.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metamorph.core.data.Record;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.QueryHeadConfig;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.BaseIdentity;
import dev.metamorph.pipeline.export.BundleException;
import dev.metamorph.pipeline.export.BundleLimits;
import dev.metamorph.pipeline.export.ServedAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter bundle: written and read back to the same parameters (full and low-rank), refused
 * with a message naming the entry or base when one byte changed, when made for another base, with
 * a zip-slip, absolute or link entry, an unlisted entry, or sizes above the limits; unknown manifest
 * fields tolerated; the safetensors entry read by scripts/read_safetensors.py to the same values.
 */
class AdapterBundleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fullBundleReadsBackTheSameParametersAndClassifiesLikeTheInMemoryAdapter(@TempDir Path tmp) {
        AdapterBundle.Contents c = TinyBundles.contents("tiny", AdapterBundle.Encoding.FULL, 2, 11);
        Path file = tmp.resolve("tiny" + AdapterBundle.SUFFIX);
        AdapterBundle.write(file, c);
        AdapterBundle.Loaded b = AdapterBundle.read(file, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("x"));
        assertArrayEquals(c.theta().toFloatVector(), b.theta().toFloatVector());
        assertEquals(TinyBundles.LABELS, b.labels());
        assertEquals(c.support(), b.support());
        try (ServedAdapter a = ServedAdapter.open(b, null)) {
            AdapterClassifier direct = new AdapterClassifier(c.config(), c.theta(), c.labels(), r -> TinyBundles.prompt(r.text()),
                    AdapterClassifier.Featurizer.bpe(c.tokenizer()), null, null, c.support());
            List<Record> queries = new ArrayList<>();
            for (int k = 0; k < 3; k++) queries.addAll(TinyBundles.records(k, 3, 99));
            List<AdapterClassifier.Prediction> p = a.classifier().classify(queries), q = direct.classify(queries);
            for (int i = 0; i < queries.size(); i++) {
                assertEquals(q.get(i).label(), p.get(i).label());
                assertArrayEquals(q.get(i).probabilities(), p.get(i).probabilities(), 0.0, "the bundle's template renders as the prompt function did");
            }
        }
    }

    @Test
    void aBundleAtTheMainJobsDefaultsCarriesTheCentreAndTheFittedHead(@TempDir Path tmp) throws Exception {
        AdapterBundle.Contents c = TinyBundles.centredContents("centred", 11);
        Path file = tmp.resolve("centred" + AdapterBundle.SUFFIX);
        AdapterBundle.write(file, c);
        Map<String, byte[]> entries = entriesOf(file);
        JsonNode m = JSON.readTree(entries.get(AdapterBundle.MANIFEST));
        assertEquals(2, m.get("format_version").asInt(), "a centre or a fitted head needs a reader that applies them");
        assertEquals(AdapterBundle.CENTRE, m.get("centre").get("file").asText());
        assertTrue(m.get("files").has(AdapterBundle.CENTRE), "the centre's entry is hashed like every other");
        assertEquals("fitted", m.get("head").get("kind").asText());
        assertEquals(0.5, m.get("head").get("lexical_weight").asDouble());
        assertEquals(2, m.get("head").get("min_shots").asInt());
        AdapterBundle.Loaded b = AdapterBundle.read(file, TinyBundles.HASHED_BASE, BundleLimits.DEFAULT, tmp.resolve("x"));
        assertArrayEquals(c.centre(), b.centre());
        assertEquals(TinyBundles.FITTED, b.head());
        try (ServedAdapter a = ServedAdapter.open(b, TinyBundles.hashedBase())) {
            assertTrue(a.classifier().usesFittedHead());
            AdapterClassifier direct = new AdapterClassifier(c.config(), c.theta(), c.labels(), r -> TinyBundles.prompt(r.text()),
                    AdapterClassifier.Featurizer.centred(TinyBundles.hashedBase(), c.centre(), c.config().maxLength()),
                    new AdapterClassifier.Lexical(c.lexical(), c.lexicalGain()), c.head(), c.support());
            List<Record> queries = new ArrayList<>();
            for (int k = 0; k < 3; k++) queries.addAll(TinyBundles.records(k, 3, 99));
            List<AdapterClassifier.Prediction> p = a.classifier().classify(queries), q = direct.classify(queries);
            for (int i = 0; i < queries.size(); i++) assertArrayEquals(q.get(i).probabilities(), p.get(i).probabilities(), 0.0, "record " + i);
        }
        // one changed byte of the centre is refused naming its entry
        byte[] centre = entries.get(AdapterBundle.CENTRE).clone();
        centre[centre.length - 1] ^= 1;
        entries.put(AdapterBundle.CENTRE, centre);
        Path bad = writeZip(tmp.resolve("bad").resolve("centred" + AdapterBundle.SUFFIX), entries, null);
        BundleException e = assertThrows(BundleException.class, () -> AdapterBundle.read(bad, TinyBundles.HASHED_BASE, BundleLimits.DEFAULT, tmp.resolve("y")));
        assertTrue(e.getMessage().contains("!" + AdapterBundle.CENTRE + ": SHA-256"), e.getMessage());
    }

    @Test
    void aBundleWrittenBeforeTheCentreAndHeadLoadsWithTheModelsOwnHead(@TempDir Path tmp) throws Exception {
        Map<String, byte[]> entries = entriesOf(TinyBundles.write(tmp, "tiny"));
        ObjectNode m = (ObjectNode) JSON.readTree(entries.get(AdapterBundle.MANIFEST));
        m.remove("centre");
        m.remove("head");
        m.put("format_version", 1);
        entries.put(AdapterBundle.MANIFEST, JSON.writeValueAsBytes(m));
        Path f = writeZip(tmp.resolve("old").resolve("tiny" + AdapterBundle.SUFFIX), entries, null);
        AdapterBundle.Loaded b = AdapterBundle.read(f, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("x"));
        assertNull(b.centre());
        assertEquals(QueryHeadConfig.MODEL, b.head());
        try (ServedAdapter a = ServedAdapter.open(b, null)) {
            assertFalse(a.classifier().usesFittedHead());
        }
        // a manifest naming a head this build does not know is refused naming the field
        m.putObject("head").put("kind", "svm");
        entries.put(AdapterBundle.MANIFEST, JSON.writeValueAsBytes(m));
        Path g = writeZip(tmp.resolve("svm").resolve("tiny" + AdapterBundle.SUFFIX), entries, null);
        BundleException e = assertThrows(BundleException.class, () -> AdapterBundle.read(g, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("y")));
        assertTrue(e.getMessage().contains("head.kind is 'svm'"), e.getMessage());
    }

    @Test
    void lowRankBundleStoresTheTruncatedDeltaAndReportsItsError(@TempDir Path tmp) throws Exception {
        AdapterBundle.Contents c = TinyBundles.contents("lr", AdapterBundle.Encoding.LOWRANK, 2, 11);
        Path file = tmp.resolve("lr" + AdapterBundle.SUFFIX);
        AdapterBundle.Written w = AdapterBundle.write(file, c);
        assertTrue(Files.isRegularFile(w.theta0File()), "theta_0 goes beside a low-rank bundle");
        assertTrue(w.lowRank().relativeError() > 0 && w.lowRank().relativeError() < 1, "rank 2 of a random delta loses part of it: " + w.lowRank().relativeError());
        AdapterBundle.Loaded b = AdapterBundle.read(file, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("x"));
        float[] stored = b.theta().toFloatVector();
        for (int i = 0; i < stored.length; i++) assertEquals(w.storedTheta()[i], stored[i], 1e-5, "parameter " + i);
        // a higher rank keeps more of the delta; a rank at or above every group's smaller side keeps all of it
        AdapterBundle.Written w6 = AdapterBundle.write(tmp.resolve("lr6" + AdapterBundle.SUFFIX), TinyBundles.contents("lr6", AdapterBundle.Encoding.LOWRANK, 6, 11));
        assertTrue(w6.lowRank().relativeError() < w.lowRank().relativeError(), w6.lowRank().relativeError() + " vs " + w.lowRank().relativeError());
        AdapterBundle.Written w16 = AdapterBundle.write(tmp.resolve("lr16" + AdapterBundle.SUFFIX), TinyBundles.contents("lr16", AdapterBundle.Encoding.LOWRANK, 16, 11));
        assertEquals(0.0, w16.lowRank().relativeError(), 1e-12);
        // a missing theta_0 is named
        Files.delete(w.theta0File());
        BundleException e = assertThrows(BundleException.class, () -> AdapterBundle.read(file, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("y")));
        assertTrue(e.getMessage().contains("theta_0") && e.getMessage().contains(w.theta0File().getFileName().toString()), e.getMessage());
    }

    @Test
    void oneChangedByteIsRefusedNamingTheEntry(@TempDir Path tmp) throws Exception {
        Path file = TinyBundles.write(tmp, "tiny");
        byte[] zip = Files.readAllBytes(file);
        long offset;
        try (ZipFile zf = ZipFile.builder().setPath(file).get()) {
            offset = zf.getEntry(AdapterBundle.ADAPTER).getDataOffset();
        }
        zip[(int) offset + 200] ^= 0x01; // inside the tensor data (stored uncompressed)
        Path bad = tmp.resolve("bad").resolve("tiny" + AdapterBundle.SUFFIX);
        Files.createDirectories(bad.getParent());
        Files.write(bad, zip);
        BundleException e = assertThrows(BundleException.class, () -> AdapterBundle.read(bad, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("x")));
        assertTrue(e.getMessage().contains(AdapterBundle.ADAPTER) && e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void aBundleForAnotherBaseIsRefusedNamingBothBases(@TempDir Path tmp) {
        Path file = TinyBundles.write(tmp, "tiny");
        BaseIdentity server = new BaseIdentity("minilm-l6", "minilm-l6/int8", "ab".repeat(32));
        BundleException e = assertThrows(BundleException.class, () -> AdapterBundle.read(file, server, BundleLimits.DEFAULT, tmp.resolve("x")));
        assertTrue(e.getMessage().contains("made for base none") && e.getMessage().contains("minilm-l6/int8") && e.getMessage().contains("ab".repeat(32)), e.getMessage());
    }

    @Test
    void zipSlipAbsoluteAndLinkEntriesAreRefusedBeforeAnythingIsWritten(@TempDir Path tmp) throws Exception {
        Map<String, byte[]> entries = entriesOf(TinyBundles.write(tmp, "tiny"));
        for (String evil : List.of("../evil.txt", "templates/../../evil.txt", "/etc/evil.txt", "C:/evil.txt", "a\\..\\evil.txt")) {
            Map<String, byte[]> e = new LinkedHashMap<>(entries);
            e.put(evil, "x".getBytes(StandardCharsets.UTF_8));
            Path bad = writeZip(tmp.resolve("slip").resolve("tiny" + AdapterBundle.SUFFIX), e, null);
            BundleException ex = assertThrows(BundleException.class, () -> AdapterBundle.read(bad, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("out")));
            assertTrue(ex.getMessage().contains("evil.txt'") && ex.getMessage().contains("refused"), ex.getMessage());
            assertFalse(Files.exists(tmp.resolve("evil.txt")) || Files.exists(tmp.resolve("out")), "nothing extracted");
        }
        Path link = writeZip(tmp.resolve("link").resolve("tiny" + AdapterBundle.SUFFIX), entries, "templates/tiny/passwd");
        BundleException ex = assertThrows(BundleException.class, () -> AdapterBundle.read(link, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("out")));
        assertTrue(ex.getMessage().contains("templates/tiny/passwd") && ex.getMessage().contains("symbolic link"), ex.getMessage());
        Map<String, byte[]> extra = new LinkedHashMap<>(entries);
        extra.put("templates/tiny/extra.ftl", "x".getBytes(StandardCharsets.UTF_8));
        Path unlisted = writeZip(tmp.resolve("unlisted").resolve("tiny" + AdapterBundle.SUFFIX), extra, null);
        ex = assertThrows(BundleException.class, () -> AdapterBundle.read(unlisted, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("out")));
        assertTrue(ex.getMessage().contains("templates/tiny/extra.ftl") && ex.getMessage().contains("not listed"), ex.getMessage());
    }

    @Test
    void sizesAreBoundedBeforeReading(@TempDir Path tmp) {
        Path file = TinyBundles.write(tmp, "tiny");
        BundleException small = assertThrows(BundleException.class, () -> AdapterBundle.read(file, BaseIdentity.NONE, new BundleLimits(100, 10, 100, 100), tmp.resolve("x")));
        assertTrue(small.getMessage().contains("above the limit"), small.getMessage());
        BundleException entry = assertThrows(BundleException.class, () -> AdapterBundle.read(file, BaseIdentity.NONE, new BundleLimits(1 << 30, 100, 1000, 1 << 30), tmp.resolve("x")));
        assertTrue(entry.getMessage().contains("declares") && entry.getMessage().contains("above the limit of 1000"), entry.getMessage());
        BundleException count = assertThrows(BundleException.class, () -> AdapterBundle.read(file, BaseIdentity.NONE, new BundleLimits(1 << 30, 3, 1 << 30, 1 << 30), tmp.resolve("x")));
        assertTrue(count.getMessage().contains("entries, above the limit of 3"), count.getMessage());
    }

    @Test
    void unknownManifestFieldsAreTolerated(@TempDir Path tmp) throws Exception {
        Map<String, byte[]> entries = entriesOf(TinyBundles.write(tmp, "tiny"));
        ObjectNode m = (ObjectNode) JSON.readTree(entries.get(AdapterBundle.MANIFEST));
        m.put("a_field_from_a_newer_version", "x");
        ((ObjectNode) m.get("base")).put("revision", 3);
        entries.put(AdapterBundle.MANIFEST, JSON.writeValueAsBytes(m));
        Path f = writeZip(tmp.resolve("newer").resolve("tiny" + AdapterBundle.SUFFIX), entries, null);
        assertEquals("tiny", AdapterBundle.read(f, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("x")).name());
    }

    @Test
    void pythonReadsTheAdapterTensorsToTheSameValues(@TempDir Path tmp) throws Exception {
        Path file = TinyBundles.write(tmp, "tiny");
        Path st = tmp.resolve("adapter.safetensors");
        Files.write(st, entriesOf(file).get(AdapterBundle.ADAPTER));
        Path script = projectRoot().resolve("scripts/read_safetensors.py");
        String code = "import sys, json; sys.path.insert(0, sys.argv[1]); import read_safetensors as r\n"
                + "t, _ = r.read(sys.argv[2])\n"
                + "print(json.dumps({n: [v[0], list(v[1]), [float(x) for x in v[4].astype('float64').ravel()]] for n, v in t.items()}))";
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", code, script.getParent().toString(), st.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("python3 is not installed: " + e.getMessage());
            return;
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = new String(out, StandardCharsets.UTF_8);
        Assumptions.assumeFalse(text.contains("No module named 'numpy'"), "numpy is not installed (.ci/run installs python3-numpy)");
        assertEquals(0, p.exitValue(), text);
        var tensors = JSON.readTree(text);
        AdapterBundle.Loaded b = AdapterBundle.read(file, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("x"));
        float[] theta = b.theta().toFloatVector();
        var layout = dev.metamorph.model.EncoderLayout.of(b.config());
        assertEquals(layout.groups().size(), tensors.size());
        for (var g : layout.groups()) {
            var t = tensors.get(g.name());
            assertEquals("F32", t.get(0).asText(), g.name());
            for (int i = 0; i < g.length(); i++) assertEquals(theta[(int) g.offset() + i], (float) t.get(2).get(i).asDouble(), 0.0f, g.name() + "[" + i + "]");
        }
    }

    static Path projectRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("scripts"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("project root not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    static Map<String, byte[]> entriesOf(Path file) throws Exception {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile zf = ZipFile.builder().setPath(file).get()) {
            for (ZipArchiveEntry e : java.util.Collections.list(zf.getEntriesInPhysicalOrder())) out.put(e.getName(), zf.getInputStream(e).readAllBytes());
        }
        return out;
    }

    /** A zip of the entries; {@code link}, if not null, is added as a symbolic link to /etc/passwd. */
    static Path writeZip(Path file, Map<String, byte[]> entries, String link) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) put(zip, e.getKey(), e.getValue(), false);
            if (link != null) put(zip, link, "/etc/passwd".getBytes(StandardCharsets.UTF_8), true);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bos.toByteArray());
        return file;
    }

    private static void put(ZipArchiveOutputStream zip, String name, byte[] data, boolean link) throws Exception {
        ZipArchiveEntry z = new ZipArchiveEntry(name);
        if (link) z.setUnixMode(UnixStat.LINK_FLAG | 0777);
        z.setMethod(ZipArchiveEntry.STORED);
        z.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        z.setCrc(crc.getValue());
        zip.putArchiveEntry(z);
        zip.write(data);
        zip.closeArchiveEntry();
    }
}
