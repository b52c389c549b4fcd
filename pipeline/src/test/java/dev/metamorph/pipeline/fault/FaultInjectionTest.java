package dev.metamorph.pipeline.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault-injection harness: each workload of {@link FaultChild} (meta-training, curriculum,
 * feature caching) runs once uninterrupted in a child JVM; then, per kill point, a child runs it
 * and is killed with SIGKILL ({@link Process#destroyForcibly()}) at a seeded random moment of
 * its work (timed from the child's "ready" line, past JVM start-up: mid-step, mid-write...), and a second child resumes from what is left and
 * runs to the end: its final state must equal the uninterrupted run's bit for bit, the folder must
 * hold no temporary file, and meta-training's metrics.jsonl must log each (step, event) once.
 * {@code -Dmetamorph.fault.kill-points=N} (default 3: one per workload; the {@code fault-injection}
 * profile runs 24) sets the number of kill points, {@code -Dmetamorph.fault.seed} their moments.
 * It prints one line per kill point and a summary.
 */
class FaultInjectionTest {
    private static final int KILL_POINTS = Integer.getInteger("metamorph.fault.kill-points", 3);
    private static final long SEED = Long.getLong("metamorph.fault.seed", 11);

    private record Finished(byte[] state, long millis) {}

    private static Process start(String workload, Path dir, Path log) throws IOException {
        Files.createDirectories(dir);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-Xmx1g", "-Xmn64m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-Dorg.bytedeco.javacpp.maxbytes=0",
                "-cp", System.getProperty("java.class.path"), FaultChild.class.getName(), workload, dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Waits until the child printed "ready" (its workload starts) and returns that time. */
    private static long awaitReady(Process p, Path log, int readyBefore) throws Exception {
        while (p.isAlive() && count(log, "ready ") <= readyBefore) Thread.sleep(2);
        return System.nanoTime();
    }

    private static int count(Path log, String what) throws IOException {
        if (!Files.exists(log)) return 0;
        String s = Files.readString(log);
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    private static Finished runToEnd(String workload, Path dir, Path log) throws Exception {
        int readyBefore = count(log, "ready ");
        Process p = start(workload, dir, log);
        long t0 = awaitReady(p, log, readyBefore);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), workload + " did not finish; see " + log);
        assertEquals(0, p.exitValue(), workload + " failed: " + Files.readString(log));
        return new Finished(Files.readAllBytes(dir.resolve("final.bin")), (System.nanoTime() - t0) / 1_000_000);
    }

    private static List<String> temporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    private static long files(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
        }
    }

    @Test
    void sigkillAtRandomPointsThenResumeEndsBitwiseEqual(@TempDir Path tmp) throws Exception {
        Map<String, Finished> reference = new LinkedHashMap<>();
        for (String w : FaultChild.WORKLOADS) reference.put(w, runToEnd(w, tmp.resolve("reference-" + w), tmp.resolve("reference-" + w + ".log")));
        SeededRandom rng = new SeededRandom(SEED);
        List<String> report = new ArrayList<>();
        int killed = 0, recovered = 0;
        Map<String, Integer> perWorkload = new LinkedHashMap<>();
        for (int k = 0; k < KILL_POINTS; k++) {
            String w = FaultChild.WORKLOADS.get(k % FaultChild.WORKLOADS.size());
            Path dir = tmp.resolve("kill-" + k + "-" + w);
            Path log = tmp.resolve("kill-" + k + ".log");
            long at = (long) (reference.get(w).millis() * (0.05 + 0.9 * rng.nextDouble()));
            Process p = start(w, dir, log);
            awaitReady(p, log, 0);
            boolean ended = p.waitFor(at, TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly();   // SIGKILL
                p.waitFor();
                killed++;
            }
            String left = files(dir, ".ckpt") + " meta-train checkpoints, " + files(dir, ".safetensors") + " safetensors files, "
                    + files(dir, ".tmp") + " temporary files";
            Finished resumed = runToEnd(w, dir, log);
            assertArrayEquals(reference.get(w).state(), resumed.state(), "kill point " + k + " (" + w + " at " + at + " ms) did not resume bitwise; see " + log);
            assertEquals(List.of(), temporaries(dir), "kill point " + k + ": temporary files left after the resumed run");
            if (w.equals("meta-train")) {
                Set<String> seen = new HashSet<>();
                for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
                    String key = line.replaceAll(".*\"step\":(\\d+).*\"event\":\"([a-z-]+)\".*", "$1 $2");
                    assertTrue(seen.add(key), "kill point " + k + ": metrics.jsonl logs '" + key + "' twice");
                }
            }
            recovered++;
            perWorkload.merge(w, 1, Integer::sum);
            report.add(String.format(Locale.ROOT, "kill point %2d: %-10s SIGKILL %5d ms into its ~%d ms of work%s; left %s; resumed bitwise equal",
                    k, w, at, reference.get(w).millis(), ended ? " (the run had already ended)" : "", left));
        }
        report.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "fault-injection: %d kill points %s, %d killed mid-run, %d of %d resumed to a bitwise-equal final state%n",
                KILL_POINTS, perWorkload, killed, recovered, KILL_POINTS);
        assertEquals(KILL_POINTS, recovered);
        assertTrue(KILL_POINTS < FaultChild.WORKLOADS.size() || killed >= KILL_POINTS / 2, "most kill points should land while the run is going: " + killed + " of " + KILL_POINTS);
    }
}
