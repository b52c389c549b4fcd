package dev.metamorph.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Record;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordFileReaderTest {
    static Path fixture(String name) {
        try {
            return Path.of(RecordFileReaderTest.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test fixture " + name, e);
        }
    }

    @Test
    void readsGoodFile() {
        var r = new RecordFileReader(BadRecordPolicy.FAIL).read(fixture("good.jsonl"));
        assertEquals(2, r.records().size());
        assertEquals(0, r.skipped());
        Record first = r.records().get(0);
        assertEquals("t:1", first.id());
        assertEquals("law", first.label());
        assertEquals("Affray", first.meta().get("headword"));
    }

    private static BadRecordException failing(String name) {
        return assertThrows(BadRecordException.class, () -> new RecordFileReader(BadRecordPolicy.FAIL).read(fixture(name)));
    }

    @Test
    void notJsonNamesFileAndLine() {
        BadRecordException e = failing("not-json.jsonl");
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("not-json.jsonl:2: not a JSON object"), e.getMessage());
    }

    @Test
    void missingFieldNamesFileLineAndField() {
        BadRecordException e = failing("missing-field.jsonl");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("missing-field.jsonl:3: missing field 'text'"), e.getMessage());
    }

    @Test
    void emptyTextNamesFileAndLine() {
        BadRecordException e = failing("empty-text.jsonl");
        assertTrue(e.getMessage().contains("empty-text.jsonl:1: empty field 'text'"), e.getMessage());
    }

    @Test
    void invalidUtf8NamesFileAndLine() {
        BadRecordException e = failing("invalid-utf8.jsonl");
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("invalid-utf8.jsonl:2: invalid UTF-8"), e.getMessage());
        assertTrue(e.getMessage().contains("dataset.on-bad-record = skip"), "error says what to do: " + e.getMessage());
    }

    @Test
    void failModeStopsAtFirstBadLineOfMixedFile() {
        BadRecordException e = failing("mixed.jsonl");
        assertEquals(2, e.line());
    }

    @Test
    void skipModeCountsEveryBadLineAndKeepsTheGoodOnes() {
        var r = new RecordFileReader(BadRecordPolicy.SKIP).read(fixture("mixed.jsonl"));
        assertEquals(List.of("t:1", "t:2", "t:6", "t:7"), r.records().stream().map(Record::id).toList());
        assertEquals(5, r.skipped(), "lines 2 (not JSON), 4 (missing text), 6 (empty text), 7 (invalid UTF-8), 9 (array)");
        assertEquals(5, r.problems().size());
        assertTrue(r.problems().get(0).endsWith("mixed.jsonl:2: not a JSON object: " + r.problems().get(0).split(": not a JSON object: ")[1]));
        assertTrue(r.problems().get(3).contains("mixed.jsonl:7: invalid UTF-8"), r.problems().get(3));
        assertEquals("Café music, valid UTF-8.", r.records().get(3).text());
    }

    @Test
    void domainStoreUsesThePolicy(@TempDir Path dir) throws Exception {
        Files.copy(fixture("mixed.jsonl"), dir.resolve("tiny.jsonl"));
        assertThrows(BadRecordException.class, () -> DomainStore.open(dir).records("tiny"));
        var skip = DomainStore.open(dir, BadRecordPolicy.SKIP).read("tiny");
        assertEquals(4, skip.records().size());
        assertEquals(5, skip.skipped());
        assertEquals(List.of("tiny"), DomainStore.open(dir).domains());
    }

    @Test
    void missingDomainSaysHowToImport(@TempDir Path dir) {
        var e = assertThrows(IllegalStateException.class, () -> DomainStore.open(dir).records("gcide"));
        assertTrue(e.getMessage().contains("./metamorph data import gcide"), e.getMessage());
    }

    @Test
    void writerRoundTripsAtomicallyWithFingerprint(@TempDir Path dir) throws Exception {
        List<Record> in = List.of(
                new Record("a:1", "a", "law", "Text one \"quoted\" é", "src", Map.of("headword", "One")),
                new Record("a:2", "a", "music", "Text two", "src", Map.of()));
        Path f = dir.resolve("a.jsonl");
        String sha = RecordFileWriter.write(f, in);
        assertEquals(sha, RecordFileWriter.sha256(f));
        assertEquals(64, sha.length());
        assertEquals(in, new RecordFileReader(BadRecordPolicy.FAIL).read(f).records());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("a.jsonl"), files.map(p -> p.getFileName().toString()).toList(), "no temp file left behind");
        }
    }
}
