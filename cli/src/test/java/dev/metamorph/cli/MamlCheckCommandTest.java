package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code maml check} and {@code bench sinusoid --json} end to end (small sizes). */
class MamlCheckCommandTest extends CliTestBase {

    private static String run(int expectedExit, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = MetamorphCommand.execute(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(expectedExit, code, "exit code of " + String.join(" ", args) + "; output:\n" + out);
        return out;
    }

    @Test
    void checkPrintsMamlAndFomamlErrorsAndEndsWithTheMamlRelativeError() {
        String out = run(0, "maml", "check", "--steps", "1", "--inner-lr", "0.05");
        List<String> lines = out.lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("relative-error: "), out);
        assertTrue(Double.parseDouble(last.substring("relative-error: ".length())) <= 1e-6, out);
        assertTrue(out.contains("fomaml"), out);
    }

    @Test
    void benchJsonPrintsOneObjectPerAlgorithmWithTheRequiredFields() throws Exception {
        String out = run(0, "bench", "sinusoid", "--iterations", "20", "--test-tasks", "20", "--json", "--skip-memory", "--algorithms", "maml,fomaml");
        List<String> lines = out.lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(2, lines.size(), out);
        ObjectMapper json = new ObjectMapper();
        for (String l : lines) {
            JsonNode n = json.readTree(l);
            for (String k : List.of("algorithm", "iterations", "tasks_per_s", "mse_1step", "mse_10step")) assertTrue(n.has(k), k + " missing in " + l);
            assertEquals(2, n.get("mse_1step").size());
            assertEquals(20, n.get("iterations").asInt());
        }
    }
}
