package dev.metamorph.model.base;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The shipped MiniLM tokenizer file and, where the project's data cache has it, real gcide texts. */
final class BaseTestFiles {
    private BaseTestFiles() {}

    /** The MiniLM tokenizer.json from the Maven Central jar, copied to {@code dir}. */
    static Path minilmTokenizer(Path dir) {
        try (InputStream in = BaseTestFiles.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            if (in == null) throw new IllegalStateException("all-minilm-l6-v2-tokenizer.json is not on the test classpath");
            Path p = dir.resolve("tokenizer.json");
            Files.copy(in, p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first {@code n} gcide definitions of {@code .cache/data/gcide.jsonl} under the project root, if imported. */
    static Optional<List<String>> gcideTexts(int n) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve(".cache/data/gcide.jsonl"))) dir = dir.getParent();
        if (dir == null) return Optional.empty();
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(dir.resolve(".cache/data/gcide.jsonl"))) {
            for (String line; out.size() < n && (line = r.readLine()) != null; ) out.add(json.readTree(line).path("text").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(out);
    }
}
