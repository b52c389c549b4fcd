package dev.metamorph.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metamorph.core.data.Record;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.export.BaseIdentity;
import dev.metamorph.pipeline.export.BundleException;
import dev.metamorph.pipeline.export.BundleLimits;
import dev.metamorph.pipeline.export.ServedAdapter;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference server on Javalin 7 (Jetty 12): one frozen base shared by many adapters, the Open
 * Inference Protocol's REST endpoints (KServe v2), Triton's repository control and Prometheus
 * metrics. Infer requests run on {@code serving.workers} worker threads behind a queue of
 * {@code serving.max-queue}; when both are full the answer is 429 with Retry-After. Bodies above
 * {@code serving.max-request-bytes} get 413. Every error is a JSON object {@code {"error": ...,
 * "field": ...}} naming the request field at fault where there is one. The base opens in the
 * background after the port is bound; {@code /v2/health/ready} says 503 until it and the initial
 * adapters are loaded. {@link #close} drains: new requests get 503 while those in flight finish
 * (up to {@code serving.drain-timeout-ms}). With {@code serving.batching.enabled} concurrent requests
 * for one adapter are joined into one classifier call ({@link RequestBatcher}).
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The shared base, opened in the background: its identity, featurizer (null without a base), file size and how to close it. */
    public record Base(BaseIdentity identity, AdapterClassifier.Featurizer featurizer, long bytes, AutoCloseable closer) {}

    /** Opens the base (may take seconds). */
    @FunctionalInterface
    public interface BaseOpener {
        Base open() throws Exception;
    }

    private final ServingConfig config;
    private final ServingMetrics metrics = new ServingMetrics();
    private final ThreadPoolExecutor workers;
    private final AtomicInteger inflight = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final RequestBatcher batcher;
    private final Javalin app;
    private volatile AdapterRepository repository;
    private volatile Base base;
    private volatile boolean ready;
    private volatile boolean draining;
    private volatile String startupError;

    private InferenceServer(ServingConfig config) {
        this.config = config;
        this.workers = new ThreadPoolExecutor(config.workers(), config.workers(), 60, TimeUnit.SECONDS,
                config.maxQueue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(config.maxQueue()), r -> {
                    Thread t = new Thread(r, "metamorph-infer");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.batcher = config.batching().enabled() ? new RequestBatcher(config.batching().maxRows(), config.batching().maxWaitMs(), workers, metrics) : null;
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = config.host();
            c.http.maxRequestSize = config.maxRequestBytes();
            c.routes.get("/v2/health/live", timed("live", ctx -> json(ctx, 200, obj().put("live", true))));
            c.routes.get("/v2/health/ready", timed("ready", ctx -> json(ctx, ready() ? 200 : 503, obj().put("ready", ready()))));
            c.routes.get("/v2/models", timed("models", this::models));
            c.routes.get("/v2/models/{adapter}", timed("model", this::model));
            c.routes.get("/v2/models/{adapter}/ready", timed("model-ready", this::modelReady));
            c.routes.post("/v2/models/{adapter}/infer", timed("infer", this::infer));
            c.routes.post("/v2/repository/index", timed("repository-index", this::index));
            c.routes.post("/v2/repository/models/{adapter}/load", timed("repository-load", this::load));
            c.routes.post("/v2/repository/models/{adapter}/unload", timed("repository-unload", this::unload));
            c.routes.get("/metrics", timed("metrics", this::scrape));
            c.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.field, e.getMessage()));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), null, e.getMessage() + " (" + ctx.method() + " " + ctx.path() + ")"));
            c.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, null, "internal error: " + e);
            });
        });
    }

    /**
     * Binds the port (0: any free one), then opens the base and loads the adapters in the background.
     */
    public static InferenceServer start(ServingConfig config, BaseOpener opener) {
        InferenceServer s = new InferenceServer(config);
        s.app.start(config.host(), config.port());
        Thread t = new Thread(() -> s.initialise(opener), "metamorph-serving-start");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void initialise(BaseOpener opener) {
        try {
            Base b = opener.open();
            metrics.baseBytes(b.bytes());
            AdapterRepository repo = new AdapterRepository(config.adaptersDir(), b.identity(), b.featurizer(),
                    new BundleLimits(config.maxBundleBytes(), BundleLimits.DEFAULT.maxEntries(), BundleLimits.DEFAULT.maxEntryBytes(), BundleLimits.DEFAULT.maxTotalBytes()));
            base = b;
            repository = repo;
            if (config.loadAll()) {
                for (String n : repo.bundleNames()) {
                    try {
                        repo.load(n);
                    } catch (RuntimeException e) {
                        LOG.warn("adapter {} not loaded: {}", n, e.getMessage());
                    }
                }
            }
            ready = true;
            LOG.info("ready on {}:{}: base {}, adapters {}", config.host(), port(), b.identity(), repo.loadedNames());
        } catch (Exception e) {
            startupError = e.getMessage();
            LOG.error("the server could not open its base: {}", e.toString());
        }
    }

    public int port() {
        return app.port();
    }

    /** Whether the base and the initial adapters are loaded and the server is not draining. */
    public boolean ready() {
        return ready && !draining;
    }

    /** The base failed to open (the server stays unready), or null. */
    public String startupError() {
        return startupError;
    }

    /** Waits until ready; returns false after {@code millis} or if the base failed. */
    public boolean awaitReady(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!ready()) {
            if (startupError != null || System.nanoTime() > end) return false;
            Thread.sleep(20);
        }
        return true;
    }

    /** The adapters (null until the base is open). */
    public AdapterRepository repository() {
        return repository;
    }

    // ------------------------------------------------------------------ handlers

    private Handler timed(String endpoint, Handler h) {
        return ctx -> {
            long t0 = System.nanoTime();
            try {
                h.handle(ctx);
            } catch (ApiError e) {
                error(ctx, e.status, e.field, e.getMessage());
            } catch (Exception e) {
                LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, null, "internal error: " + e);
            } finally {
                metrics.request(endpoint, ctx.statusCode(), (System.nanoTime() - t0) / 1e9);
            }
        };
    }

    private AdapterRepository repo() {
        AdapterRepository r = repository;
        if (r == null || draining) throw new ApiError(503, null, draining ? "the server is shutting down" : startupError != null
                ? "the base failed to open: " + startupError : "the server is starting (the base is loading); retry when /v2/health/ready says 200");
        return r;
    }

    private void models(Context ctx) {
        AdapterRepository r = repo();
        ObjectNode o = obj();
        ArrayNode a = o.putArray("models");
        for (AdapterRepository.Entry e : r.index()) a.addObject().put("name", e.name()).put("state", e.state());
        json(ctx, 200, o);
    }

    private void model(Context ctx) {
        String name = ctx.pathParam("adapter");
        try (AdapterRepository.Lease l = lease(name)) {
            ServedAdapter a = l.adapter();
            ObjectNode o = obj();
            o.put("name", name);
            o.putArray("versions").add(Long.toString(l.version()));
            o.put("platform", "metamorph");
            ArrayNode in = o.putArray("inputs");
            for (String f : inputNames(a)) in.addObject().put("name", f).put("datatype", "BYTES").putArray("shape").add(-1);
            ArrayNode out = o.putArray("outputs");
            out.addObject().put("name", "label").put("datatype", "BYTES").putArray("shape").add(-1);
            out.addObject().put("name", "probabilities").put("datatype", "FP64").putArray("shape").add(-1).add(a.classifier().labels().size());
            ObjectNode p = o.putObject("parameters");
            p.put("domain", a.bundle().domain());
            ArrayNode labels = p.putArray("labels");
            a.classifier().labels().forEach(labels::add);
            p.put("template", a.template().id() + "@" + a.template().version());
            p.put("base", a.bundle().base().toString());
            p.put("theta0_sha256", a.bundle().manifest().path("theta0").path("sha256").asText());
            p.put("encoding", a.bundle().manifest().path("encoding").asText());
            p.put("format_version", a.bundle().manifest().path("format_version").asInt());
            p.set("metrics", a.bundle().manifest().path("metrics"));
            p.put("load_seconds", repo().loadSeconds(name));
            json(ctx, 200, o);
        }
    }

    private void modelReady(Context ctx) {
        try (AdapterRepository.Lease l = lease(ctx.pathParam("adapter"))) {
            json(ctx, 200, obj().put("name", ctx.pathParam("adapter")).put("ready", true));
        }
    }

    private AdapterRepository.Lease lease(String name) {
        AdapterRepository.Lease l = repo().acquire(name);
        if (l == null) throw new ApiError(404, "adapter", "adapter '" + name + "' is not loaded; loaded: " + repo().loadedNames() + " (POST /v2/repository/models/" + name + "/load)");
        return l;
    }

    /** The inputs a request may carry: the template's record fields (domain excepted), id, text and source. */
    private static List<String> inputNames(ServedAdapter a) {
        Set<String> names = new LinkedHashSet<>();
        for (String f : a.template().fields()) if (!f.equals("domain")) names.add(f);
        names.add("text");
        names.add("id");
        return new ArrayList<>(names);
    }

    private void infer(Context ctx) throws Exception {
        String name = ctx.pathParam("adapter");
        if (draining) throw new ApiError(503, null, "the server is shutting down");
        JsonNode body = readBody(ctx);
        AdapterRepository.Lease lease = lease(name);
        inflight.incrementAndGet();
        metrics.inflight(inflight.get());
        try {
            ServedAdapter a = lease.adapter();
            List<Record> records = records(body, a, name);
            Future<List<AdapterClassifier.Prediction>> f;
            try {
                f = batcher != null ? batcher.submit(a, records) : workers.submit(() -> {
                    List<AdapterClassifier.Prediction> out = a.classifier().classify(records);
                    metrics.batch(records.size());
                    return out;
                });
            } catch (RejectedExecutionException e) {
                throw saturated(ctx);
            }
            List<AdapterClassifier.Prediction> p;
            try {
                p = f.get(config.requestTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new ApiError(503, null, "inference took longer than serving.request-timeout-ms = " + config.requestTimeoutMs());
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RejectedExecutionException) throw saturated(ctx);
                if (c instanceof dev.metamorph.prompts.PromptRenderException r) throw new ApiError(400, "inputs", "the template failed on these inputs: " + r.getMessage());
                throw c instanceof Exception ex ? ex : new RuntimeException(c);
            }
            metrics.records(name, records.size());
            ObjectNode o = obj();
            o.put("model_name", name);
            o.put("model_version", Long.toString(lease.version()));
            if (body.has("id")) o.put("id", body.get("id").asText());
            ArrayNode outputs = o.putArray("outputs");
            ObjectNode label = outputs.addObject().put("name", "label").put("datatype", "BYTES");
            label.putArray("shape").add(p.size());
            ArrayNode ld = label.putArray("data");
            ObjectNode prob = outputs.addObject().put("name", "probabilities").put("datatype", "FP64");
            prob.putArray("shape").add(p.size()).add(a.classifier().labels().size());
            ArrayNode pd = prob.putArray("data");
            for (AdapterClassifier.Prediction x : p) {
                ld.add(x.label());
                for (double v : x.probabilities()) pd.add(v);
            }
            ArrayNode labels = o.putObject("parameters").putArray("labels");
            a.classifier().labels().forEach(labels::add);
            json(ctx, 200, o);
        } finally {
            inflight.decrementAndGet();
            metrics.inflight(inflight.get());
            lease.close();
        }
    }

    private ApiError saturated(Context ctx) {
        ctx.header("Retry-After", Integer.toString(config.retryAfterSeconds()));
        return new ApiError(429, null, "the server is saturated (" + config.workers() + " workers busy, " + config.maxQueue() + " requests queued); retry after " + config.retryAfterSeconds() + " s");
    }

    private JsonNode readBody(Context ctx) {
        long declared = ctx.contentLength();
        if (declared > config.maxRequestBytes()) throw new ApiError(413, "body", "request body of " + declared + " bytes is above serving.max-request-bytes = " + config.maxRequestBytes());
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, config.maxRequestBytes() + 1));
        } catch (IOException e) {
            throw new ApiError(400, "body", "cannot read the request body: " + e.getMessage());
        }
        if (bytes.length > config.maxRequestBytes()) throw new ApiError(413, "body", "request body is above serving.max-request-bytes = " + config.maxRequestBytes());
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) throw new ApiError(400, "body", "the body must be a JSON object with an 'inputs' array");
            return n;
        } catch (IOException e) {
            throw new ApiError(400, "body", "the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The request's records: one per row of the inputs, each input a record field. */
    private List<Record> records(JsonNode body, ServedAdapter a, String name) {
        JsonNode inputs = body.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) throw new ApiError(400, "inputs", "'inputs' must be a non-empty array of {name, shape, datatype, data}");
        List<String> accepted = inputNames(a);
        Map<String, List<String>> fields = new LinkedHashMap<>();
        int rows = -1;
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode in = inputs.get(i);
            String at = "inputs[" + i + "]";
            if (!in.isObject()) throw new ApiError(400, at, at + " must be an object");
            String n = in.path("name").asText("");
            if (n.isEmpty()) throw new ApiError(400, at + ".name", at + ".name is missing");
            if (!accepted.contains(n) && !n.startsWith("meta.")) throw new ApiError(400, at + ".name", "input '" + n + "' is not a field of adapter " + name + "'s template; accepted: " + accepted);
            if (fields.containsKey(n)) throw new ApiError(400, at + ".name", "input '" + n + "' is given twice");
            if (!"BYTES".equals(in.path("datatype").asText())) throw new ApiError(400, at + ".datatype", "input '" + n + "' must have datatype BYTES (text), got '" + in.path("datatype").asText() + "'");
            JsonNode data = in.get("data");
            if (data == null || !data.isArray()) throw new ApiError(400, at + ".data", "input '" + n + "' needs a 'data' array of strings");
            JsonNode shape = in.get("shape");
            if (shape == null || !shape.isArray() || shape.isEmpty() || shape.get(0).asLong(-1) != data.size() || (shape.size() == 2 && shape.get(1).asLong() != 1) || shape.size() > 2) {
                throw new ApiError(400, at + ".shape", "input '" + n + "' has shape " + shape + " but " + data.size() + " data items; use [" + data.size() + "]");
            }
            if (rows >= 0 && data.size() != rows) throw new ApiError(400, at + ".shape", "input '" + n + "' has " + data.size() + " rows but the first input has " + rows + "; every input gives one value per record");
            rows = data.size();
            if (rows > config.maxBatch()) throw new ApiError(400, at + ".shape", rows + " records in one request is above serving.max-batch = " + config.maxBatch());
            List<String> values = new ArrayList<>(rows);
            for (int j = 0; j < data.size(); j++) {
                if (!data.get(j).isTextual()) throw new ApiError(400, at + ".data[" + j + "]", "input '" + n + "' item " + j + " must be a string");
                values.add(data.get(j).asText());
            }
            fields.put(n, values);
        }
        if (rows == 0) throw new ApiError(400, "inputs[0].shape", "the inputs hold no records");
        for (String need : a.template().fields()) {
            if (need.equals("domain") || need.equals("id") || need.startsWith("meta.") && fields.containsKey(need)) continue;
            if (!fields.containsKey(need)) throw new ApiError(400, "inputs", "input '" + need + "' is missing; adapter " + name + "'s template " + a.template().id() + " uses it");
        }
        List<Record> out = new ArrayList<>(rows);
        String rid = body.path("id").asText("request");
        for (int j = 0; j < rows; j++) {
            Map<String, String> meta = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : fields.entrySet()) if (e.getKey().startsWith("meta.")) meta.put(e.getKey().substring(5), e.getValue().get(j));
            String id = fields.containsKey("id") ? fields.get("id").get(j) : rid + "#" + j;
            String text = fields.containsKey("text") ? fields.get("text").get(j) : "";
            String source = fields.containsKey("source") ? fields.get("source").get(j) : "";
            out.add(new Record(id, a.bundle().domain(), "", text, source, meta));
        }
        return out;
    }

    private void index(Context ctx) {
        ArrayNode a = JSON.createArrayNode();
        for (AdapterRepository.Entry e : repo().index()) a.addObject().put("name", e.name()).put("state", e.state()).put("reason", e.reason());
        ctx.status(200).contentType("application/json").result(a.toString());
    }

    private void load(Context ctx) {
        String name = ctx.pathParam("adapter");
        AdapterRepository r = repo();
        if (!java.nio.file.Files.isRegularFile(r.fileOf(name))) {
            throw new ApiError(404, "adapter", "no bundle " + r.fileOf(name).getFileName() + " in " + r.dir() + "; export one there with `metamorph export --out`");
        }
        try {
            ServedAdapter a = r.load(name);
            json(ctx, 200, obj().put("name", name).put("state", "READY").put("labels", a.classifier().labels().size()).put("load_seconds", r.loadSeconds(name)));
        } catch (BundleException e) {
            throw new ApiError(409, "adapter", "bundle refused: " + e.getMessage());
        }
    }

    private void unload(Context ctx) {
        String name = ctx.pathParam("adapter");
        if (!repo().unload(name)) throw new ApiError(404, "adapter", "adapter '" + name + "' is not loaded; loaded: " + repo().loadedNames());
        json(ctx, 200, obj().put("name", name).put("state", "UNAVAILABLE"));
    }

    private void scrape(Context ctx) {
        AdapterRepository r = repository;
        ctx.status(200).contentType(ServingMetrics.contentType()).result(metrics.scrape(r == null ? Map.of() : r.residentBytes()));
    }

    private static ObjectNode obj() {
        return JSON.createObjectNode();
    }

    private static void json(Context ctx, int status, JsonNode n) {
        ctx.status(status).contentType("application/json").result(n.toString());
    }

    private static void error(Context ctx, int status, String field, String message) {
        ObjectNode o = obj().put("error", message);
        if (field != null) o.put("field", field);
        json(ctx, status, o);
    }

    // ------------------------------------------------------------------ shutdown

    /** Drains (new requests 503, requests in flight finish within serving.drain-timeout-ms), then stops and frees everything. A second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        draining = true;
        long end = System.nanoTime() + config.drainTimeoutMs() * 1_000_000;
        while (inflight.get() > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inflight.get() > 0) LOG.warn("{} request(s) still in flight after the drain timeout of {} ms", inflight.get(), config.drainTimeoutMs());
        app.stop();
        if (batcher != null) batcher.close();
        workers.shutdownNow();
        AdapterRepository r = repository;
        if (r != null) r.close();
        Base b = base;
        if (b != null && b.closer() != null) {
            try {
                b.closer().close();
            } catch (Exception e) {
                LOG.warn("closing the base: {}", e.toString());
            }
        }
    }
}
