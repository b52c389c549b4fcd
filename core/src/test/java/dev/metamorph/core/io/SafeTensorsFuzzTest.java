package dev.metamorph.core.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any bytes as a safetensors file: the only acceptable outcomes are a file whose every tensor reads,
 * or a {@link SafeTensorsFormatException}. Regression mode replays {@code SafeTensorsFuzzTestInputs/};
 * {@code -Pfuzz} fuzzes.
 */
class SafeTensorsFuzzTest {
    private static final Path FILE = tempFile();

    private static Path tempFile() {
        try {
            Path f = Files.createTempFile("fuzz", ".safetensors");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void safetensorsReadsOrFailsWithAFormatError(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        SafeTensorsFile f;
        try {
            f = SafeTensors.read(FILE);
        } catch (SafeTensorsFormatException expected) {
            return;
        }
        for (String name : f.names()) {
            f.getDoubles(name);
            f.metadata();
        }
    }
}
