package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench model} measurement rows, run in-process ({@code --child}) on a tiny model config:
 * one row per method with a positive time and throughput, and with {@code --meta-train} one row per
 * algorithm with episodes/s and the engine {@code maml.backend = auto} chose.
 */
class BenchModelCommandTest extends CliTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void childRowsCoverMethodsAndMetaTrainingSpeed(@TempDir Path root) throws Exception {
        Path models = Files.createDirectories(root.resolve("configs/model"));
        Files.writeString(models.resolve("tiny.conf"), "vocab-size = 30\nd-model = 8\nheads = 2\nblocks = 1\nff-size = 12\nmax-length = 8\n");
        String old = System.getProperty("metamorph.root");
        System.setProperty("metamorph.root", root.toString());
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Result r;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            r = run("bench", "model", "--child", "--configs", "tiny", "--dtypes", "double", "--methods", "eager,graph-backward", "--calls", "2", "--warmup", "1",
                    "--batch", "4", "--meta-train", "--meta-algorithms", "fomaml,maml", "--meta-iterations", "1");
        } finally {
            System.setOut(stdout);
            System.setProperty("metamorph.root", old);
        }
        assertEquals(0, r.code(), r.err());
        List<JsonNode> rows = new ArrayList<>();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) if (line.startsWith("{")) rows.add(JSON.readTree(line));
        List<String> methods = rows.stream().map(n -> n.get("method").asText()).toList();
        assertEquals(List.of("eager", "graph-backward", "meta-train-fomaml", "meta-train-maml"), methods);
        for (JsonNode n : rows.subList(0, 2)) assertTrue(n.get("ms_median").asDouble() > 0 && n.get("tokens_per_s").asDouble() > 0, n.toString());
        assertEquals("KernelMetaGradient", rows.get(2).get("engine").asText());
        assertEquals("SameDiffMetaGradient", rows.get(3).get("engine").asText());
        for (JsonNode n : rows.subList(2, 4)) assertTrue(n.get("episodes_per_s").asDouble() > 0 && n.get("ms_per_iteration").asDouble() > 0, n.toString());
    }

    @Test
    void unknownMethodIsAUserError() {
        Result r = run("bench", "model", "--methods", "eagerly");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("eagerly") && r.err().contains("graph-backward"), r.err());
    }
}
