package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bench memory --json}: one row per slot count and mode with the documented fields; bad options exit 2. */
class BenchMemoryCommandTest extends CliTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonRowsCarrySlotsModeTimesAndBytesPerSlot() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Result r;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            r = run("bench", "memory", "--json", "--slots", "50,200", "--top-k", "4", "--repeats", "3", "--key-size", "8", "--value-size", "2");
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, r.code(), r.err());
        List<JsonNode> rows = new ArrayList<>();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) if (line.startsWith("{")) rows.add(JSON.readTree(line));
        assertEquals(List.of("50/dense", "50/top-k", "200/dense", "200/top-k"), rows.stream().map(n -> n.get("slots").asInt() + "/" + n.get("mode").asText()).toList());
        for (JsonNode n : rows) {
            assertTrue(n.get("read_us").asDouble() > 0 && n.get("write_us").asDouble() > 0, n.toString());
            assertEquals(8 * 8 + 2 * 8 + 20, n.get("bytes_per_slot").asInt(), n.toString());
        }
        assertEquals(2, run("bench", "memory", "--top-k", "0").code());
    }
}
