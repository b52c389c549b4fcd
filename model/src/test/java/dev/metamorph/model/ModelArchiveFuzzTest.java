package dev.metamorph.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any bytes as a saved model ({@code model/theta0.zip}): the only acceptable outcomes are a model or
 * the errors {@link ModelArchive#load} declares: an {@link IOException} naming the file and entry, or
 * a configuration error ({@code ConfigException}) naming the key of its {@code model.conf}.
 * Regression mode replays {@code ModelArchiveFuzzTestInputs/} (which holds a valid tiny archive);
 * {@code -Pfuzz} fuzzes.
 */
class ModelArchiveFuzzTest {
    private static final Path FILE = tempFile();

    private static Path tempFile() {
        try {
            Path f = Files.createTempFile("fuzz", ".zip");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void modelArchiveLoadsOrFailsWithItsOwnError(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        try {
            ModelArchive.load(FILE);
        } catch (IOException | com.typesafe.config.ConfigException expected) {
            // named file, entry or key
        }
    }
}
