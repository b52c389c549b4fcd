package dev.metamorph.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metamorph.core.data.Record;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.BaseIdentity;
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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server over real HTTP on loopback, with tiny bundles without a base: predictions identical to
 * the in-process classifier on the same records; every endpoint and error code (200, 400 naming the
 * field, 404, 409, 413, 429 with Retry-After, 503 before the base is loaded); hot load, reload and
 * unload while clients send requests, with no failed request; /metrics in Prometheus text.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InferenceServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static ServingConfig config(Path dir) {
        return ServingConfig.from(com.typesafe.config.ConfigFactory.defaultReference(), dir).withPort(0).withAdaptersDir(dir);
    }

    private static InferenceServer.Base none() {
        return new InferenceServer.Base(BaseIdentity.NONE, null, 0, null);
    }

    /**
     * The main job's defaults: the bundle carries the domain centre and the fitted head (and the
     * lexical channel); the server runs them over its shared base (a stand-in here), and answers with
     * the labels and probabilities of in-process classification of the same records with the same support.
     */
    @Test
    void predictionsOverHttpAtTheMainJobsDefaultsAreIdenticalToInProcessClassification(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapters"));
        Path file = TinyBundles.writeCentred(dir, "centred");
        List<Record> records = new ArrayList<>();
        for (int k = 0; k < 3; k++) records.addAll(TinyBundles.records(k, 4, 321));
        List<AdapterClassifier.Prediction> expected;
        try (ServedAdapter a = ServedAdapter.open(AdapterBundle.read(file, TinyBundles.HASHED_BASE, BundleLimits.DEFAULT, tmp.resolve("x")), TinyBundles.hashedBase())) {
            assertTrue(a.classifier().usesFittedHead(), "the bundle's fitted head answers");
            assertTrue(a.bundle().centre() != null, "the bundle carries the domain centre");
            expected = a.classifier().classify(records);
        }
        InferenceServer.BaseOpener opener = () -> new InferenceServer.Base(TinyBundles.HASHED_BASE, TinyBundles.hashedBase(), 0, null);
        try (InferenceServer s = InferenceServer.start(config(dir), opener)) {
            assertTrue(s.awaitReady(30_000));
            JsonNode r = body(post(s, "/v2/models/centred/infer", inferBody(records.stream().map(Record::text).toList())), 200);
            JsonNode labels = r.get("outputs").get(0), probs = r.get("outputs").get(1);
            for (int i = 0; i < records.size(); i++) {
                assertEquals(expected.get(i).label(), labels.get("data").get(i).asText(), "record " + i);
                double[] p = expected.get(i).probabilities();
                for (int k = 0; k < p.length; k++) assertEquals(p[k], probs.get("data").get(i * 3 + k).asDouble(), 0.0, "record " + i + " label " + k);
            }
        }
    }

    @Test
    void predictionsOverHttpAreIdenticalToInProcessClassification(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapters"));
        Path file = TinyBundles.write(dir, "tiny");
        List<Record> records = new ArrayList<>();
        for (int k = 0; k < 3; k++) records.addAll(TinyBundles.records(k, 4, 321));
        List<AdapterClassifier.Prediction> expected;
        try (ServedAdapter a = ServedAdapter.open(AdapterBundle.read(file, BaseIdentity.NONE, BundleLimits.DEFAULT, tmp.resolve("x")), null)) {
            expected = a.classifier().classify(records);
        }
        try (InferenceServer s = InferenceServer.start(config(dir), InferenceServerTest::none)) {
            assertTrue(s.awaitReady(30_000));
            JsonNode r = body(post(s, "/v2/models/tiny/infer", inferBody(records.stream().map(Record::text).toList())), 200);
            assertEquals("tiny", r.get("model_name").asText());
            JsonNode labels = r.get("outputs").get(0), probs = r.get("outputs").get(1);
            assertEquals(List.of(records.size()), List.of(labels.get("shape").get(0).asInt()));
            assertEquals(3, probs.get("shape").get(1).asInt());
            for (int i = 0; i < records.size(); i++) {
                assertEquals(expected.get(i).label(), labels.get("data").get(i).asText(), "record " + i);
                double[] p = expected.get(i).probabilities();
                for (int k = 0; k < p.length; k++) assertEquals(p[k], probs.get("data").get(i * 3 + k).asDouble(), 0.0, "record " + i + " label " + k);
            }
            // one record per request gives the same answers as the batch
            for (int i = 0; i < 3; i++) {
                JsonNode one = body(post(s, "/v2/models/tiny/infer", inferBody(List.of(records.get(i).text()))), 200);
                assertEquals(expected.get(i).label(), one.get("outputs").get(0).get("data").get(0).asText());
            }
        }
    }

    @Test
    void everyEndpointAndErrorCodeOverHttp(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapters"));
        TinyBundles.write(dir, "tiny");
        CountDownLatch baseOpens = new CountDownLatch(1);
        ServingConfig cfg = config(dir).withLimits(4, 2000);
        try (InferenceServer s = InferenceServer.start(cfg, () -> {
            baseOpens.await();
            return none();
        })) {
            assertEquals(200, get(s, "/v2/health/live").statusCode());
            assertEquals(503, get(s, "/v2/health/ready").statusCode(), "not ready before the base is loaded");
            assertError(post(s, "/v2/models/tiny/infer", inferBody(List.of("court judge"))), 503, null, "starting");
            baseOpens.countDown();
            assertTrue(s.awaitReady(30_000));
            assertEquals(200, get(s, "/v2/health/ready").statusCode());
            JsonNode models = body(get(s, "/v2/models"), 200);
            assertEquals("tiny", models.get("models").get(0).get("name").asText());
            JsonNode meta = body(get(s, "/v2/models/tiny"), 200);
            assertEquals("text", meta.get("inputs").get(0).get("name").asText());
            assertEquals(TinyBundles.LABELS.size(), meta.get("parameters").get("labels").size());
            assertEquals(200, get(s, "/v2/models/tiny/ready").statusCode());
            assertError(get(s, "/v2/models/nope"), 404, "adapter", "not loaded");
            assertError(post(s, "/v2/models/nope/infer", inferBody(List.of("x"))), 404, "adapter", "not loaded");
            // 400s naming the field
            assertError(post(s, "/v2/models/tiny/infer", "{not json"), 400, "body", "not valid JSON");
            assertError(post(s, "/v2/models/tiny/infer", "{}"), 400, "inputs", "non-empty array");
            assertError(post(s, "/v2/models/tiny/infer", "{\"inputs\":[{\"name\":\"colour\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"x\"]}]}"), 400, "inputs[0].name", "colour");
            assertError(post(s, "/v2/models/tiny/infer", "{\"inputs\":[{\"name\":\"text\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"x\"]}]}"), 400, "inputs[0].shape", "shape");
            assertError(post(s, "/v2/models/tiny/infer", "{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}"), 400, "inputs[0].datatype", "BYTES");
            assertError(post(s, "/v2/models/tiny/infer", "{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[3]}]}"), 400, "inputs[0].data[0]", "string");
            assertError(post(s, "/v2/models/tiny/infer", "{\"inputs\":[{\"name\":\"id\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}"), 400, "inputs", "'text' is missing");
            assertError(post(s, "/v2/models/tiny/infer", inferBody(List.of("a", "b", "c", "d", "e"))), 400, "inputs[0].shape", "max-batch");
            // 413
            assertError(post(s, "/v2/models/tiny/infer", inferBody(List.of("x".repeat(3000)))), 413, "body", "max-request-bytes");
            // repository control
            JsonNode index = body(post(s, "/v2/repository/index", ""), 200);
            assertEquals("READY", index.get(0).get("state").asText());
            assertError(post(s, "/v2/repository/models/ghost/load", ""), 404, "adapter", "no bundle");
            assertEquals(200, post(s, "/v2/repository/models/tiny/unload", "").statusCode());
            assertError(post(s, "/v2/repository/models/tiny/unload", ""), 404, "adapter", "not loaded");
            assertError(post(s, "/v2/models/tiny/infer", inferBody(List.of("x"))), 404, "adapter", "not loaded");
            assertEquals("UNAVAILABLE", body(post(s, "/v2/repository/index", ""), 200).get(0).get("state").asText());
            assertEquals(200, post(s, "/v2/repository/models/tiny/load", "").statusCode());
            // a refused bundle: 409 with the message naming the entry
            Path bad = dir.resolve("bad" + AdapterBundle.SUFFIX);
            TinyBundles.write(dir, "bad");
            byte[] zip = Files.readAllBytes(bad);
            long off;
            try (var zf = org.apache.commons.compress.archivers.zip.ZipFile.builder().setPath(bad).get()) {
                off = zf.getEntry(AdapterBundle.ADAPTER).getDataOffset();
            }
            zip[(int) off + 100] ^= 0x10;
            Files.write(bad, zip);
            assertError(post(s, "/v2/repository/models/bad/load", ""), 409, "adapter", "adapter.safetensors");
            JsonNode reasons = body(post(s, "/v2/repository/index", ""), 200);
            assertTrue(reasons.toString().contains("SHA-256"), reasons.toString());
            // unknown route: JSON 404
            assertEquals(404, get(s, "/v3/nothing").statusCode());
            // metrics
            HttpResponse<String> m = get(s, "/metrics");
            assertEquals(200, m.statusCode());
            for (String line : List.of("metamorph_requests_total{code=\"400\",endpoint=\"infer\"}", "metamorph_adapters_loaded 1", "metamorph_adapter_resident_bytes{adapter=\"tiny\"}",
                    "metamorph_request_duration_seconds_bucket", "metamorph_base_bytes")) {
                assertTrue(m.body().contains(line), "metrics lack " + line + ":\n" + m.body());
            }
        }
    }

    /**
     * Dynamic batching on (the default): concurrent one-record requests for one adapter are joined
     * into fewer classifier calls, and each answer equals the in-process classification of its record
     * alone (labels exactly, probabilities to 1e-6: the float model's products round differently for
     * another number of rows in a pass), over the stand-in base (records of different token counts).
     */
    @Test
    void dynamicBatchingJoinsConcurrentRequestsAndAnswersAsUnbatched(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapters"));
        Path file = TinyBundles.writeCentred(dir, "centred");
        List<Record> records = new ArrayList<>();
        for (int k = 0; k < 3; k++) records.addAll(TinyBundles.records(k, 4, 555));
        records.add(new Record("short", "tiny", "", "judge", "test", java.util.Map.of()));
        List<AdapterClassifier.Prediction> alone = new ArrayList<>();
        try (ServedAdapter a = ServedAdapter.open(AdapterBundle.read(file, TinyBundles.HASHED_BASE, BundleLimits.DEFAULT, tmp.resolve("x")), TinyBundles.hashedBase())) {
            for (Record r : records) alone.add(a.classifier().classify(List.of(r)).get(0));
        }
        InferenceServer.BaseOpener opener = () -> new InferenceServer.Base(TinyBundles.HASHED_BASE, TinyBundles.hashedBase(), 0, null);
        ServingConfig cfg = config(dir).withBatching(new ServingConfig.Batching(true, 16, 100));
        try (InferenceServer s = InferenceServer.start(cfg, opener)) {
            assertTrue(s.awaitReady(30_000));
            ExecutorService pool = Executors.newFixedThreadPool(records.size());
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> fs = new ArrayList<>();
                for (Record r : records) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        return post(s, "/v2/models/centred/infer", inferBody(List.of(r.text())));
                    }));
                }
                go.countDown();
                double largest = 0;
                for (int i = 0; i < records.size(); i++) {
                    JsonNode out = body(fs.get(i).get(60, TimeUnit.SECONDS), 200).get("outputs");
                    assertEquals(alone.get(i).label(), out.get(0).get("data").get(0).asText(), "record " + i);
                    double[] p = alone.get(i).probabilities();
                    for (int k = 0; k < p.length; k++) largest = Math.max(largest, Math.abs(p[k] - out.get(1).get("data").get(k).asDouble()));
                }
                // the float model's products round differently for another number of rows in a pass: last bits only
                assertTrue(largest <= 1e-6, "largest probability difference between batched and unbatched answers: " + largest);
            } finally {
                pool.shutdownNow();
            }
            String metrics = get(s, "/metrics").body();
            double calls = metric(metrics, "metamorph_batch_records_count");
            double rows = metric(metrics, "metamorph_batch_records_sum");
            assertEquals(records.size(), rows, 0.0, metrics);
            assertTrue(calls < records.size(), records.size() + " concurrent requests were joined into fewer calls: " + calls);
        }
    }

    /** Graceful shutdown: a request in flight when close() starts is answered (200); requests arriving while it drains get 503. */
    @Test
    void closeDrainsRequestsInFlight(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapters"));
        TinyBundles.writeCentred(dir, "centred");
        java.util.concurrent.atomic.AtomicBoolean hold = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AdapterClassifier.Featurizer inner = TinyBundles.hashedBase();
        AdapterClassifier.Featurizer slow = prompts -> {
            if (hold.get()) {
                started.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.batch(prompts);
        };
        InferenceServer s = InferenceServer.start(config(dir), () -> new InferenceServer.Base(TinyBundles.HASHED_BASE, slow, 0, null));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            assertTrue(s.awaitReady(30_000));
            hold.set(true);
            Future<HttpResponse<String>> inFlight = pool.submit(() -> post(s, "/v2/models/centred/infer", inferBody(List.of("a judge and a court"))));
            assertTrue(started.await(30, TimeUnit.SECONDS), "the request reached the base");
            Future<?> closing = pool.submit(s::close);
            long end = System.nanoTime() + 10_000_000_000L;
            while (s.ready() && System.nanoTime() < end) Thread.sleep(5);
            assertFalse(s.ready(), "draining: not ready");
            assertError(post(s, "/v2/models/centred/infer", inferBody(List.of("a melody"))), 503, null, "shutting down");
            assertFalse(closing.isDone(), "close() waits for the request in flight");
            release.countDown();
            HttpResponse<String> r = inFlight.get(30, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            closing.get(30, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            pool.shutdownNow();
            s.close();
        }
    }

    private static double metric(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void saturationAnswers429WithRetryAfter(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapters"));
        TinyBundles.write(dir, "tiny");
        try (InferenceServer s = InferenceServer.start(config(dir).withConcurrency(1, 0), InferenceServerTest::none)) {
            assertTrue(s.awaitReady(30_000));
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 32; i++) texts.add(TinyBundles.records(i % 3, 1, i).get(0).text());
            String body = inferBody(texts);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                HttpResponse<String> limited = null;
                for (int round = 0; round < 20 && limited == null; round++) {
                    List<Future<HttpResponse<String>>> fs = new ArrayList<>();
                    for (int i = 0; i < 16; i++) fs.add(pool.submit(() -> post(s, "/v2/models/tiny/infer", body)));
                    for (Future<HttpResponse<String>> f : fs) {
                        HttpResponse<String> r = f.get();
                        assertTrue(r.statusCode() == 200 || r.statusCode() == 429, r.statusCode() + " " + r.body());
                        if (r.statusCode() == 429) limited = r;
                    }
                }
                assertTrue(limited != null, "16 concurrent requests on one worker with no queue place: some are refused");
                assertEquals("1", limited.headers().firstValue("Retry-After").orElse(""));
                assertTrue(JSON.readTree(limited.body()).get("error").asText().contains("saturated"));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void loadReloadAndUnloadDuringRequestsFailNone(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapters"));
        TinyBundles.write(dir, "tiny");
        TinyBundles.write(dir, "other");
        try (InferenceServer s = InferenceServer.start(config(dir).withConcurrency(2, 256), InferenceServerTest::none)) {
            assertTrue(s.awaitReady(30_000));
            String body = inferBody(List.of("a court and a judge", "a melody on a violin"));
            AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(5);
            long end = System.nanoTime() + 3_000_000_000L;
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < 300 && System.nanoTime() < end; i++) {
                        HttpResponse<String> r = post(s, "/v2/models/tiny/infer", body);
                        if (r.statusCode() == 200) ok.incrementAndGet();
                        else {
                            failed.incrementAndGet();
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    }
                    return null;
                }));
            }
            int swaps = 0;
            while (System.nanoTime() < end) {
                assertEquals(200, post(s, "/v2/repository/models/tiny/load", "").statusCode(), "reload while serving");
                assertEquals(200, post(s, "/v2/repository/models/other/unload", "").statusCode());
                assertEquals(200, post(s, "/v2/repository/models/other/load", "").statusCode());
                swaps++;
            }
            for (Future<?> f : clients) f.get(60, TimeUnit.SECONDS);
            pool.shutdownNow();
            assertEquals(0, failed.get(), "failed requests: " + failures.stream().limit(3).toList());
            assertTrue(ok.get() > 20 && swaps > 3, ok.get() + " requests, " + swaps + " reloads");
        }
    }

    private static String inferBody(List<String> texts) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "t");
        ObjectNode in = o.putArray("inputs").addObject();
        in.put("name", "text");
        in.put("datatype", "BYTES");
        in.putArray("shape").add(texts.size());
        ArrayNode d = in.putArray("data");
        texts.forEach(d::add);
        return o.toString();
    }

    private HttpResponse<String> get(InferenceServer s, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(InferenceServer s, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode body(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static void assertError(HttpResponse<String> r, int status, String field, String text) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode n = JSON.readTree(r.body());
        assertTrue(n.get("error").asText().contains(text), "error should mention '" + text + "': " + r.body());
        if (field != null) assertEquals(field, n.path("field").asText(), r.body());
    }
}
