package dev.metamorph.serving;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's Prometheus metrics, in their own registry: requests by endpoint and status code, a
 * latency histogram per endpoint, records classified per adapter, loaded adapters, each adapter's
 * and the base's resident bytes, requests in flight and queued, records per classifier call. {@link #scrape} writes the text
 * format (version 0.0.4). Thread-safe.
 */
public final class ServingMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("metamorph_requests_total").help("HTTP requests by endpoint and status code")
            .labelNames("endpoint", "code").register(registry);
    private final Histogram latency = Histogram.builder().name("metamorph_request_duration_seconds").help("HTTP request latency by endpoint")
            .labelNames("endpoint").classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
    private final Counter records = Counter.builder().name("metamorph_inference_records_total").help("Records classified by adapter")
            .labelNames("adapter").register(registry);
    private final Gauge adapters = Gauge.builder().name("metamorph_adapters_loaded").help("Adapters loaded").register(registry);
    private final Gauge adapterBytes = Gauge.builder().name("metamorph_adapter_resident_bytes").help("Estimated resident bytes of each loaded adapter (parameters, prototypes, lexical tables)")
            .labelNames("adapter").register(registry);
    private final Gauge baseBytes = Gauge.builder().name("metamorph_base_bytes").help("Size of the shared base model file in bytes (0 without a base)").register(registry);
    private final Gauge inflight = Gauge.builder().name("metamorph_inflight_requests").help("Infer requests admitted and not yet answered").register(registry);
    private final Histogram batchRecords = Histogram.builder().name("metamorph_batch_records").help("Records per classifier call (dynamic batching joins concurrent requests)")
            .classicOnly().classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /** One classifier call over {@code n} records. */
    public void batch(int n) {
        batchRecords.observe(n);
    }

    public void request(String endpoint, int code, double seconds) {
        requests.labelValues(endpoint, Integer.toString(code)).inc();
        latency.labelValues(endpoint).observe(seconds);
    }

    public void records(String adapter, int n) {
        records.labelValues(adapter).inc(n);
    }

    public void inflight(int n) {
        inflight.set(n);
    }

    public void baseBytes(long n) {
        baseBytes.set(n);
    }

    /** Sets the adapter gauges to the repository's current state and writes every metric in Prometheus text format. */
    public byte[] scrape(Map<String, Long> residentBytes) {
        adapters.set(residentBytes.size());
        for (String gone : known) if (!residentBytes.containsKey(gone)) adapterBytes.remove(gone);
        known.retainAll(residentBytes.keySet());
        residentBytes.forEach((n, b) -> {
            adapterBytes.labelValues(n).set(b);
            known.add(n);
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
