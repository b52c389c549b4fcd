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

    private static final String GOOD = "{\"id\":\"t:1\",\"domain\":\"tiny\",\"label\":\"law\",\"text\":\"One.\"}";

    private static Path file(Path dir, String... lines) throws Exception {
        return Files.writeString(dir.resolve("tiny.jsonl"), String.join("\n", lines) + "\n");
    }

    private static BadRecordException failingOn(Path f) {
        return assertThrows(BadRecordException.class, () -> new RecordFileReader(BadRecordPolicy.FAIL).read(f, "tiny"));
    }

    @Test
    void duplicateIdNamesBothLines(@TempDir Path dir) throws Exception {
        BadRecordException e = failingOn(file(dir, GOOD, GOOD.replace("One.", "Two.")));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("tiny.jsonl:2: duplicate id 't:1', first at line 1"), e.getMessage());
    }

    @Test
    void duplicateJsonKeyIsABadLine(@TempDir Path dir) throws Exception {
        // Jackson's default keeps the last value: a record could show one label to a reviewer and another to the loader
        BadRecordException e = failingOn(file(dir, GOOD.replace("\"label\":\"law\"", "\"label\":\"law\",\"label\":\"music\"")));
        assertTrue(e.getMessage().contains("tiny.jsonl:1: a key appears twice in the object (Duplicate field 'label'"), e.getMessage());
    }

    @Test
    void trailingGarbageIsABadLine(@TempDir Path dir) throws Exception {
        for (String tail : List.of(" x", "{\"id\":\"t:2\"}", " ]", ",")) {
            BadRecordException e = failingOn(file(dir, GOOD + tail));
            assertTrue(e.getMessage().contains("tiny.jsonl:1: ") && (e.getMessage().contains("text after the JSON object")
                    || e.getMessage().contains("not a JSON object")), tail + ": " + e.getMessage());
        }
    }

    @Test
    void recordOfAnotherDomainInADomainsFileIsABadLine(@TempDir Path dir) throws Exception {
        BadRecordException e = failingOn(file(dir, GOOD, GOOD.replace("t:1", "t:2").replace("tiny", "gcide")));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("tiny.jsonl:2: record of domain 'gcide' in the file of domain 'tiny'"), e.getMessage());
        assertThrows(BadRecordException.class, () -> DomainStore.open(dir).records("tiny"), "the store reads a domain's file as that domain's");
    }

    @Test
    void overlongLineIsABadLineWithoutBufferingIt(@TempDir Path dir) throws Exception {
        String huge = "{\"id\":\"t:9\",\"domain\":\"tiny\",\"label\":\"law\",\"text\":\"" + "x".repeat(RecordFileReader.MAX_LINE_BYTES) + "\"}";
        BadRecordException e = failingOn(file(dir, GOOD, huge));
        assertTrue(e.getMessage().contains("tiny.jsonl:2: line is longer than 1048576 bytes"), e.getMessage());
    }

    @Test
    void skipCountsEachNewKindOfBadLine(@TempDir Path dir) throws Exception {
        Path f = file(dir, GOOD, GOOD.replace("One.", "Dup."), GOOD.replace("t:1", "t:3") + " trailing",
                GOOD.replace("t:1", "t:4").replace("\"text\":\"One.\"", "\"text\":\"A\",\"text\":\"B\""),
                GOOD.replace("t:1", "t:5").replace("tiny", "other"), GOOD.replace("t:1", "t:6"));
        var r = new RecordFileReader(BadRecordPolicy.SKIP).read(f, "tiny");
        assertEquals(List.of("t:1", "t:6"), r.records().stream().map(Record::id).toList());
        assertEquals(4, r.skipped());
        assertEquals(4, r.problems().size());
        assertTrue(r.problems().get(0).contains("tiny.jsonl:2: duplicate id"), r.problems().toString());
    }
}
