package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.pipeline.sinusoid.SinusoidBenchmark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench sinusoid --peer} with a stand-in peer script (src/test/resources/peers) that echoes
 * what it was given: the runs alternate (ours, peer, ours, peer), the peer gets as many threads as
 * our workers (option and OMP_NUM_THREADS), our protocol, and exactly our test tasks; its CPU time
 * covers its timed training span; a comparison line gives the ratios and both thread counts.
 */
class BenchSinusoidPeerTest extends CliTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void peerAlternatesWithOursOnEqualThreadsAndTheSameTestTasks() throws Exception {
        Path fake = Path.of("src/test/resources/peers/fake_sinusoid_peer.py").toAbsolutePath();
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = MetamorphCommand.execute("bench", "sinusoid", "--iterations", "3", "--test-tasks", "7", "--json", "--skip-memory", "--no-progress",
                    "--algorithms", "maml,reptile,fomaml", "--threads", "3", "--peer", fake.toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        List<JsonNode> rows = new ArrayList<>();
        for (String l : out.lines().filter(l -> l.startsWith("{")).toList()) rows.add(JSON.readTree(l));
        List<String> order = rows.stream().map(n -> n.has("comparison") ? "vs-" + n.get("comparison").asText() : n.get("algorithm").asText()).toList();
        assertEquals(List.of("maml", "pytorch-maml", "maml", "pytorch-maml", "vs-maml", "reptile", "fomaml", "pytorch-fomaml", "fomaml", "pytorch-fomaml", "vs-fomaml"), order, out);

        SinusoidBenchmark.TestTask first = SinusoidBenchmark.testTaskList(7, 10).get(0);
        for (JsonNode n : rows) {
            if (n.has("comparison")) {
                assertEquals(3, n.get("threads").get("ours").asInt(), n.toString());
                assertEquals(3, n.get("threads").get("peer").asInt(), n.toString());
                assertTrue(n.get("threads_equal").asBoolean(), n.toString());
                assertEquals(2, n.get("rounds").asInt());
                double ours = n.get("tasks_per_s").get("ours").asDouble(), peer = n.get("tasks_per_s").get("peer").asDouble();
                assertEquals(ours / peer, n.get("ratio_tasks_per_s").asDouble(), 0.01 * ours / peer + 0.01, n.toString());
                assertTrue(n.get("ratio_tasks_per_cpu_s").asDouble() > 0, n.toString());
                continue;
            }
            assertEquals(3, n.get("threads").asInt(), n.toString());
            if (!n.get("algorithm").asText().startsWith("pytorch-")) {
                assertTrue(n.get("tasks_per_cpu_s").asDouble() > 0, n.toString());
                continue;
            }
            assertEquals("3", n.get("omp_num_threads").asText(), n.toString());
            assertEquals(n.get("algorithm").asText().endsWith("fomaml") ? "first" : "second", n.get("order").asText(), n.toString());
            assertEquals(3, n.get("iterations").asInt());
            assertEquals(25, n.get("meta_batch").asInt());
            assertEquals(10, n.get("k").asInt());
            assertEquals(0.01, n.get("inner_lr").asDouble(), 1e-12);
            assertEquals(7, n.get("test_tasks").asInt());
            assertEquals(first.task().amplitude(), n.get("first_task").get("amp").asDouble(), 0.0);
            assertEquals(first.task().phase(), n.get("first_task").get("phase").asDouble(), 0.0);
            assertEquals(first.support().x(9, 0), n.get("first_task").get("support_x").get(9).asDouble(), 0.0);
            assertEquals("training", n.get("cpu_span").asText(), n.toString());
            double cpu = n.get("cpu_seconds").asDouble();
            assertTrue(cpu > 0 && cpu <= n.get("process_cpu_seconds").asDouble(), n.toString());
            assertTrue(n.get("tasks_per_cpu_s").asDouble() > 0, n.toString());
        }
    }
}
