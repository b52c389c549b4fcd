package dev.metamorph.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.model.tokenizer.BpeTrainer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hostile model archives are refused before their entries are read: too many entries, paths out
 * of the archive, duplicates, oversized entries (a zip bomb), NaN or infinite parameters (named by
 * group), and a tokenizer that declares a vocabulary of two billion.
 */
class ModelArchiveBoundsTest {
    private static final List<String> TEXTS = List.of("a small river flows to the sea", "the sea is wide and deep", "music for strings");

    /** A valid archive's entries, to rebuild with changes. */
    private static Map<String, byte[]> valid(Path dir) throws IOException {
        BpeTokenizer tok = BpeTrainer.train(TEXTS, 40, 1, 8, BpeTokenizer.Truncation.HEAD);
        ModelConfig cfg = TinyModels.tiny(ModelConfig.HeadType.ZERO, ModelConfig.Activation.GELU).withVocabSize(tok.vocabSize());
        INDArray theta = TinyModels.randomTheta(new GatedAttentionLearner(cfg), 3);
        Path f = dir.resolve("valid.zip");
        ModelArchive.save(f, cfg, tok, theta);
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(f.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) m.put(e.getName(), z.getInputStream(e).readAllBytes());
        }
        return m;
    }

    private static Path zip(Path file, List<Map.Entry<String, byte[]>> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return file;
    }

    private static String refused(Path file) {
        return assertThrows(IOException.class, () -> ModelArchive.load(file)).getMessage();
    }

    @Test
    void aValidArchiveLoads(@TempDir Path dir) throws IOException {
        Map<String, byte[]> m = valid(dir);
        ModelArchive.load(zip(dir.resolve("again.zip"), List.copyOf(m.entrySet())));
    }

    @Test
    void pathsOutOfTheArchiveDuplicatesAndUnknownEntriesAreRefused(@TempDir Path dir) throws IOException {
        Map<String, byte[]> m = valid(dir);
        for (String name : new String[] {"../model.conf", "/etc/model.conf", "dir\\..\\x", "C:model.conf"}) {
            List<Map.Entry<String, byte[]>> es = new java.util.ArrayList<>(m.entrySet());
            es.add(Map.entry(name, new byte[] {1}));
            String msg = refused(zip(dir.resolve("evil.zip"), es));
            assertTrue(msg.contains("'" + name + "'") && msg.contains("refused"), msg);
        }
        List<Map.Entry<String, byte[]>> unknown = new java.util.ArrayList<>(m.entrySet());
        unknown.add(Map.entry("extra.bin", new byte[] {1}));
        assertTrue(refused(zip(dir.resolve("unknown.zip"), unknown)).contains("unknown entry 'extra.bin'"));
    }

    @Test
    void tooManyEntriesAreRefusedBeforeReading(@TempDir Path dir) throws IOException {
        List<Map.Entry<String, byte[]>> es = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) es.add(Map.entry("e" + i, new byte[0]));
        String msg = refused(zip(dir.resolve("many.zip"), es));
        assertTrue(msg.contains("100 entries, more than the 16"), msg);
    }

    @Test
    void anEntryOverItsBoundIsRefusedWithoutInflatingIt(@TempDir Path dir) throws IOException {
        Map<String, byte[]> m = valid(dir);
        m.put("model.conf", new byte[(1 << 20) + 1]);   // 1 MiB + 1 of zeros: ~1 KB compressed
        Path bomb = zip(dir.resolve("bomb.zip"), List.copyOf(m.entrySet()));
        assertTrue(Files.size(bomb) < 64 << 10, "compressed " + Files.size(bomb));
        String msg = refused(bomb);
        assertTrue(msg.contains("model.conf: declares 1048577 bytes, more than the bound of 1048576"), msg);
    }

    @Test
    void nanOrInfiniteParametersAreRefusedByGroup(@TempDir Path dir) throws IOException {
        Map<String, byte[]> m = valid(dir);
        byte[] theta = m.get("theta.bin").clone();
        boolean dbl = new String(m.get("model.json"), java.nio.charset.StandardCharsets.UTF_8).contains("float64");
        int width = dbl ? 8 : 4;
        int last = theta.length / width - 1;
        ByteBuffer bb = ByteBuffer.wrap(theta).order(ByteOrder.LITTLE_ENDIAN);
        if (dbl) bb.putDouble(last * 8, Double.POSITIVE_INFINITY);
        else bb.putFloat(last * 4, Float.POSITIVE_INFINITY);
        m.put("theta.bin", theta);
        String msg = refused(zip(dir.resolve("inf.zip"), List.copyOf(m.entrySet())));
        assertTrue(msg.contains("theta.bin: parameter " + last) && msg.contains("group '") && msg.contains("Infinity"), msg);
    }

    @Test
    void aTokenizerDeclaringTwoBillionIdsIsRefusedAtItsLine() {
        String tok = "metamorph-bpe 1\nmax-length 8\ntruncation head\nvocab 2000000000\n[PAD]\n";
        IOException e = assertThrows(IOException.class, () -> BpeTokenizer.read(new StringReader(tok), "model.zip!tokenizer.txt"));
        assertTrue(e.getMessage().contains("model.zip!tokenizer.txt") && e.getMessage().contains(":4") && e.getMessage().contains("vocab 2000000000 is outside"), e.getMessage());
        assertEquals(1 << 20, BpeTokenizer.MAX_VOCAB);
    }
}
