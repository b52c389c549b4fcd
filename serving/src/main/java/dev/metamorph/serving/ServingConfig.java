package dev.metamorph.serving;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.Checks;
import java.nio.file.Path;

/** Settings of the inference server (HOCON namespace {@code serving}, defaults in this module's {@code reference.conf}). */
public record ServingConfig(String host, int port, Path adaptersDir, boolean loadAll, int maxBatch, int workers, int maxQueue, int retryAfterSeconds,
                            long maxRequestBytes, long requestTimeoutMs, long drainTimeoutMs, int baseThreads, long maxBundleBytes, Batching batching) {

    /**
     * Dynamic batching ({@code serving.batching}): concurrent requests for one adapter joined into one
     * classifier call of at most {@code maxRows} records, the first waiting at most {@code maxWaitMs}.
     */
    public record Batching(boolean enabled, int maxRows, double maxWaitMs) {
        public static final Batching OFF = new Batching(false, 1, 0);

        public Batching {
            Checks.positive("serving.batching.max-rows", maxRows);
            Checks.check(maxWaitMs >= 0 && maxWaitMs <= 1000, "serving.batching.max-wait-ms must be in [0, 1000], got %s", maxWaitMs);
        }
    }

    public ServingConfig {
        Checks.notNull("serving.batching", batching);
        Checks.check(port >= 0 && port <= 65535, "serving.port must be 0..65535, got %s", port);
        Checks.positive("serving.max-batch", maxBatch);
        Checks.positive("serving.workers", workers);
        Checks.check(maxQueue >= 0, "serving.max-queue must be >= 0, got %s", maxQueue);
        Checks.positive("serving.retry-after-seconds", retryAfterSeconds);
        Checks.positive("serving.max-request-bytes", maxRequestBytes);
        Checks.positive("serving.request-timeout-ms", requestTimeoutMs);
        Checks.check(drainTimeoutMs >= 0, "serving.drain-timeout-ms must be >= 0, got %s", drainTimeoutMs);
        Checks.positive("serving.base-threads", baseThreads);
        Checks.positive("serving.max-bundle-bytes", maxBundleBytes);
    }

    /** Reads the {@code serving} namespace; {@code adapters-dir} resolves against {@code projectRoot}. */
    public static ServingConfig from(Config c, Path projectRoot) {
        c.checkValid(ConfigFactory.defaultReference(), "serving");
        Config s = c.getConfig("serving");
        java.util.Set<String> known = ConfigFactory.defaultReference().getConfig("serving").root().keySet();
        for (String key : s.root().keySet()) {
            if (!known.contains(key)) throw new com.typesafe.config.ConfigException.BadPath(s.root().get(key).origin(), "serving." + key, "unknown key; the serving keys are " + new java.util.TreeSet<>(known));
        }
        Config b = s.getConfig("batching");
        java.util.Set<String> knownB = ConfigFactory.defaultReference().getConfig("serving.batching").root().keySet();
        for (String key : b.root().keySet()) {
            if (!knownB.contains(key)) throw new com.typesafe.config.ConfigException.BadPath(b.root().get(key).origin(), "serving.batching." + key, "unknown key; the batching keys are " + new java.util.TreeSet<>(knownB));
        }
        Batching batching;
        try {
            batching = new Batching(b.getBoolean("enabled"), b.getInt("max-rows"), b.getDouble("max-wait-ms"));
        } catch (IllegalArgumentException e) {
            throw new com.typesafe.config.ConfigException.BadValue(b.origin(), "serving.batching", e.getMessage());
        }
        Path dir = Path.of(s.getString("adapters-dir"));
        try {
            return new ServingConfig(s.getString("host"), s.getInt("port"), dir.isAbsolute() ? dir : projectRoot.resolve(dir).normalize(), s.getBoolean("load-all"),
                s.getInt("max-batch"), s.getInt("workers"), s.getInt("max-queue"), s.getInt("retry-after-seconds"), s.getBytes("max-request-bytes"),
                s.getLong("request-timeout-ms"), s.getLong("drain-timeout-ms"), s.getInt("base-threads"), s.getBytes("max-bundle-bytes"), batching);
        } catch (IllegalArgumentException e) {
            throw new com.typesafe.config.ConfigException.BadValue(s.origin(), "serving", e.getMessage());
        }
    }

    public ServingConfig withPort(int p) {
        return new ServingConfig(host, p, adaptersDir, loadAll, maxBatch, workers, maxQueue, retryAfterSeconds, maxRequestBytes, requestTimeoutMs, drainTimeoutMs, baseThreads, maxBundleBytes, batching);
    }

    public ServingConfig withAdaptersDir(Path d) {
        return new ServingConfig(host, port, d, loadAll, maxBatch, workers, maxQueue, retryAfterSeconds, maxRequestBytes, requestTimeoutMs, drainTimeoutMs, baseThreads, maxBundleBytes, batching);
    }

    public ServingConfig withConcurrency(int w, int queue) {
        return new ServingConfig(host, port, adaptersDir, loadAll, maxBatch, w, queue, retryAfterSeconds, maxRequestBytes, requestTimeoutMs, drainTimeoutMs, baseThreads, maxBundleBytes, batching);
    }

    public ServingConfig withLimits(int batch, long requestBytes) {
        return new ServingConfig(host, port, adaptersDir, loadAll, batch, workers, maxQueue, retryAfterSeconds, requestBytes, requestTimeoutMs, drainTimeoutMs, baseThreads, maxBundleBytes, batching);
    }

    public ServingConfig withBatching(Batching b) {
        return new ServingConfig(host, port, adaptersDir, loadAll, maxBatch, workers, maxQueue, retryAfterSeconds, maxRequestBytes, requestTimeoutMs, drainTimeoutMs, baseThreads, maxBundleBytes, b);
    }
}
