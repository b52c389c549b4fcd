package dev.metamorph.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metamorph.core.data.Record;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.BundleLimits;
import dev.metamorph.pipeline.export.ServedAdapter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load benchmark of the server on 127.0.0.1: one record per request (the bundle's own support
 * texts, cycled), {@code requests} requests at each client count with the JDK's HTTP client, p50 and
 * p99 latency and requests/s; beside it, in the same run, the in-process rate of the same adapter
 * on the same texts with as many threads as the server has workers (the ceiling HTTP, rendering and
 * queuing take their share of), the bundle's load time, resident memory per adapter (heap after a GC
 * with {@code copies} copies loaded, minus before, divided) and what a batch of 16 texts per adapter
 * pass gains in-process. The HTTP levels run twice, on a fresh server each: dynamic batching off,
 * then on ({@code serving.batching}'s max-rows and max-wait-ms, enabled). Request loops are bounded
 * in count; the servers are stopped at the end.
 */
public final class ServeBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeBenchmark() {}

    /** Figures at one client count. */
    public record Level(int clients, int requests, int failed, double p50Ms, double p99Ms, double requestsPerSecond) {}

    /**
     * @param levels         HTTP levels with dynamic batching off
     * @param batchedLevels  the same with dynamic batching on ({@code batching})
     * @param head           the head the adapter predicts with ({@code fitted} or {@code model})
     */
    public record Result(String adapter, int labels, String head, double loadSeconds, long residentBytesPerAdapter, long estimatedBytesPerAdapter, long adaptersPer4GiB,
                         double inProcessPerSecond, double inProcessBatch16PerSecond, List<Level> levels, List<Level> batchedLevels,
                         ServingConfig.Batching batching, int workers) {
        /** requests/s at the most clients over the in-process rate (one record per call), batching off. */
        public double ratioAtMostClients() {
            return levels.get(levels.size() - 1).requestsPerSecond() / inProcessPerSecond;
        }

        /** The same with dynamic batching on. */
        public double batchedRatioAtMostClients() {
            return batchedLevels.get(batchedLevels.size() - 1).requestsPerSecond() / inProcessPerSecond;
        }

        public String toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("adapter", adapter).put("labels", labels).put("head", head).put("workers", workers);
            o.put("adapter_load_seconds", loadSeconds).put("resident_bytes_per_adapter", residentBytesPerAdapter).put("estimated_bytes_per_adapter", estimatedBytesPerAdapter)
                    .put("adapters_per_4gib", adaptersPer4GiB).put("in_process_per_s", inProcessPerSecond).put("in_process_batch16_per_s", inProcessBatch16PerSecond)
                    .put("ratio_at_most_clients", ratioAtMostClients()).put("batched_ratio_at_most_clients", batchedRatioAtMostClients());
            o.putObject("dynamic_batching").put("max_rows", batching.maxRows()).put("max_wait_ms", batching.maxWaitMs());
            levels(o.putArray("levels"), levels);
            levels(o.putArray("batched_levels"), batchedLevels);
            return o.toString();
        }

        private static void levels(ArrayNode a, List<Level> ls) {
            for (Level l : ls) a.addObject().put("clients", l.clients()).put("requests", l.requests()).put("failed", l.failed()).put("p50_ms", l.p50Ms()).put("p99_ms", l.p99Ms())
                    .put("requests_per_s", l.requestsPerSecond());
        }
    }

    public static Result run(ServingConfig config, InferenceServer.Base base, String adapter, List<Integer> clientCounts, int requests, int copies) throws Exception {
        Path file = config.adaptersDir().resolve(adapter + AdapterBundle.SUFFIX);
        Path work = Files.createTempDirectory("metamorph-bench-serve");
        try {
            long t0 = System.nanoTime();
            ServedAdapter a = ServedAdapter.open(AdapterBundle.read(file, base.identity(), BundleLimits.DEFAULT, work.resolve("a")), base.featurizer());
            double load = (System.nanoTime() - t0) / 1e9;
            List<Record> texts = a.bundle().support();
            // in-process: one record per call on `workers` threads, as the server runs them
            int n = Math.max(requests, 50);
            a.classifier().classify(texts.subList(0, 1)); // warm-up
            double inProcess = inProcessRate(a, texts, n, config.workers(), 1);
            double batch16 = inProcessRate(a, texts, n, config.workers(), 16);
            // memory per resident adapter
            long before = usedAfterGc();
            List<ServedAdapter> held = new ArrayList<>();
            for (int i = 0; i < copies; i++) held.add(ServedAdapter.open(AdapterBundle.read(file, base.identity(), BundleLimits.DEFAULT, work.resolve("c" + i)), base.featurizer()));
            long per = Math.max(1, (usedAfterGc() - before) / copies);
            long estimated = a.classifier().residentBytes();
            held.forEach(ServedAdapter::close);
            held.clear();
            InferenceServer.Base shared = new InferenceServer.Base(base.identity(), base.featurizer(), base.bytes(), null);
            ServingConfig.Batching on = new ServingConfig.Batching(true, config.batching().maxRows(), config.batching().maxWaitMs());
            List<Level> levels = http(config.withBatching(ServingConfig.Batching.OFF), shared, adapter, texts, clientCounts, requests);
            List<Level> batched = http(config.withBatching(on), shared, adapter, texts, clientCounts, requests);
            a.close();
            return new Result(adapter, a.classifier().labels().size(), a.classifier().usesFittedHead() ? "fitted" : "model", load, per, estimated,
                    (4L << 30) / Math.max(per, estimated), inProcess, batch16, levels, batched, on, config.workers());
        } finally {
            AdapterRepository.deleteTree(work);
        }
    }

    /** The HTTP levels against a fresh server with these settings (the adapter loaded once, a warm-up first). */
    private static List<Level> http(ServingConfig config, InferenceServer.Base shared, String adapter, List<Record> texts, List<Integer> clientCounts, int requests) throws Exception {
        List<Level> levels = new ArrayList<>();
        try (InferenceServer s = InferenceServer.start(config.withPort(0), () -> shared)) {
            if (!s.awaitReady(600_000)) throw new IllegalStateException("the server did not get ready: " + s.startupError());
            if (s.repository().acquire(adapter) == null) s.repository().load(adapter);
            ExecutorService io = Executors.newFixedThreadPool(8);
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(io).build();
                String url = "http://127.0.0.1:" + s.port() + "/v2/models/" + adapter + "/infer";
                List<String> bodies = new ArrayList<>();
                for (Record r : texts) bodies.add(body(r.text()));
                level(http, url, bodies, 1, Math.min(20, requests)); // warm-up
                for (int c : clientCounts) levels.add(level(http, url, bodies, c, requests));
            } finally {
                io.shutdownNow();
            }
        }
        return levels;
    }

    private static double inProcessRate(ServedAdapter a, List<Record> texts, int n, int threads, int batch) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            AtomicInteger next = new AtomicInteger();
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i; (i = next.getAndAdd(batch)) < n; ) {
                        List<Record> rs = new ArrayList<>();
                        for (int j = i; j < Math.min(n, i + batch); j++) rs.add(texts.get(j % texts.size()));
                        a.classifier().classify(rs);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            return n / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Level level(HttpClient http, String url, List<String> bodies, int clients, int requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        double[] ms = new double[requests];
        AtomicInteger next = new AtomicInteger(), failed = new AtomicInteger();
        try {
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                fs.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < requests; ) {
                        long s = System.nanoTime();
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size()))).build(), HttpResponse.BodyHandlers.ofString());
                        ms[i] = (System.nanoTime() - s) / 1e6;
                        if (r.statusCode() != 200) failed.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            double secs = (System.nanoTime() - t0) / 1e9;
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            return new Level(clients, requests, failed.get(), sorted[(int) Math.floor(0.5 * (requests - 1))], sorted[(int) Math.ceil(0.99 * (requests - 1))], requests / secs);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String body(String text) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode in = o.putArray("inputs").addObject();
        in.put("name", "text").put("datatype", "BYTES");
        in.putArray("shape").add(1);
        in.putArray("data").add(text);
        return o.toString();
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
