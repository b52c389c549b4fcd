package dev.metamorph.datasets;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any bytes as a domain's JSONL record file: under {@code fail} the only acceptable outcomes are
 * records or a {@link BadRecordException}; under {@code skip} always records (and a count). Regression
 * mode replays {@code RecordFileReaderFuzzTestInputs/}; {@code -Pfuzz} fuzzes.
 */
class RecordFileReaderFuzzTest {
    private static final Path FILE = tempFile();

    private static Path tempFile() {
        try {
            Path f = Files.createTempFile("fuzz", ".jsonl");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void recordFileReadsOrFailsWithABadRecordError(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        RecordFileReader.Result skipped = new RecordFileReader(BadRecordPolicy.SKIP).read(FILE, "tiny");
        try {
            RecordFileReader.Result strict = new RecordFileReader(BadRecordPolicy.FAIL).read(FILE, "tiny");
            if (!strict.records().equals(skipped.records()) || skipped.skipped() != 0) {
                throw new IllegalStateException("fail read " + strict.records().size() + " records where skip read "
                        + skipped.records().size() + " and skipped " + skipped.skipped());
            }
        } catch (BadRecordException expected) {
            if (skipped.skipped() == 0) throw new IllegalStateException("fail refused a file that skip read whole", expected);
        }
    }
}
