package dev.metamorph.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.metamorph.core.run.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code report/results.json}: a JSON array with one {@link ResultsRow} per method and shot count,
 * written atomically ({@link AtomicFiles}), so a reader sees the old table or the new one.
 */
public final class ResultsJson {
    /** The file name inside a run's report folder. */
    public static final String FILE = "results.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResultsJson() {}

    /** Writes {@code rows} to {@code reportDir/results.json}, replacing it; returns the file. */
    public static Path write(Path reportDir, List<ResultsRow> rows) {
        Path file = reportDir.resolve(FILE);
        for (ResultsRow r : rows) {
            if (!Double.isFinite(r.accuracy()) || !Double.isFinite(r.macroF1())) {
                throw new IllegalArgumentException("Row '" + r.method() + "' (" + r.shots() + "-shot) has a non-finite score (accuracy "
                        + r.accuracy() + ", macro-F1 " + r.macroF1() + "); " + file + " is not written");
            }
        }
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(List.copyOf(rows)) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode the results table as JSON: " + e.getOriginalMessage(), e);
        }
        return file;
    }

    /** Reads a results.json written by {@link #write}. */
    public static List<ResultsRow> read(Path file) {
        try {
            return List.copyOf(JSON.readValue(Files.readString(file), new TypeReference<List<ResultsRow>>() {}));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read results table " + file + ": " + e.getMessage(), e);
        }
    }
}
