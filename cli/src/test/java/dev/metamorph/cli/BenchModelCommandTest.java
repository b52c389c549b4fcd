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
import dev.metamorph.core.SeededRandom;
import dev.metamorph.model.ModelBenchmark;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
        assertTrue(rows.get(2).get("engine").asText().matches("KernelMetaGradient on the (eager|graph) path \\(auto, measured here: .*"), rows.get(2).toString());
        for (JsonNode n : rows.subList(0, 2)) {
            double f = n.get("subnormal_fraction").asDouble();
            assertTrue(f >= 0 && f <= 1 && n.get("gradient_entries").asLong() > 0, n.toString());
            assertTrue(n.get("input").asText().startsWith("stand-in: Zipf"), "no data cache under the test root, so the stand-in: " + n);
            assertTrue(n.get("head").asText().startsWith("random N(0, 0.1)"), n.toString());
        }
        assertEquals("SameDiffMetaGradient", rows.get(3).get("engine").asText());
        for (JsonNode n : rows) assertTrue(n.has("cpu") && n.has("cpu_flags"), "every figure carries the CPU model and flags: " + n);
        for (JsonNode n : rows.subList(2, 4)) assertTrue(n.get("episodes_per_s").asDouble() > 0 && n.get("ms_per_iteration").asDouble() > 0, n.toString());
    }

    @Test
    void unknownMethodIsAUserError() {
        Result r = run("bench", "model", "--methods", "eagerly");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("eagerly") && r.err().contains("graph-backward"), r.err());
    }

    @Test
    void simdFlagsKeepTheFlagsThatDecideKernelSpeedInAFixedOrder() {
        assertEquals("avx avx2 fma avx512f", BenchModelMachine.simdFlags("fpu avx512f vme avx2 sse2 fma avx avx512ifma"));
        assertEquals("", BenchModelMachine.simdFlags("fpu vme sse2"));
    }

    @Test
    void subnormalEntriesCountsNonZeroValuesBelowTheDtypesSmallestNormal() {
        INDArray f = Nd4j.createFromArray(new float[] {0f, 1e-39f, -1e-40f, Float.MIN_NORMAL, 1e-3f, -Float.MIN_VALUE});
        assertEquals(3, ModelBenchmark.subnormalEntries(f));
        INDArray d = Nd4j.createFromArray(new double[] {0, 1e-39, 1e-310, -Double.MIN_VALUE, Double.MIN_NORMAL});
        assertEquals(2, ModelBenchmark.subnormalEntries(d), "1e-39 is normal in double");
    }

    @Test
    void theStandInIsSeededInRangeAndZipfLike() {
        ModelConfig c = ModelConfig.defaults().withShape(50, 8, 2, 1, 12, 16);
        TokenBatch a = ModelBenchmark.standIn(c, 32, 16, new SeededRandom(3)), b = ModelBenchmark.standIn(c, 32, 16, new SeededRandom(3));
        assertEquals(java.util.Arrays.deepToString(a.ids()), java.util.Arrays.deepToString(b.ids()));
        int[] counts = new int[c.vocabSize()];
        for (int[] row : a.ids()) for (int id : row) counts[id]++;
        assertEquals(0, counts[0], "no padding in the stand-in");
        assertTrue(counts[1] > counts[10] && counts[1] > 3 * counts[40], java.util.Arrays.toString(counts));
    }
}
