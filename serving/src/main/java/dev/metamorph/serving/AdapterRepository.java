package dev.metamorph.serving;

import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.BaseIdentity;
import dev.metamorph.pipeline.export.BundleException;
import dev.metamorph.pipeline.export.BundleLimits;
import dev.metamorph.pipeline.export.ServedAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapters a server holds, loaded from bundles of one folder ({@code <name>.adapter.zip}).
 * Loading verifies the bundle (hashes, base, entry names and sizes) and builds its classifier off
 * to the side, then swaps it in; a request holds the adapter it started with ({@link #acquire}) until
 * it ends ({@link Lease#close}), so unloading or reloading never fails a request in flight: the old
 * adapter is closed when its last request ends. Loads and unloads are serialised; leases are not.
 */
public final class AdapterRepository implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterRepository.class);

    /** A loaded adapter with its reference count. */
    static final class Handle {
        final ServedAdapter adapter;
        final double loadSeconds;
        final long version;
        final AtomicInteger refs = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        volatile boolean retired;

        Handle(ServedAdapter adapter, double loadSeconds, long version) {
            this.adapter = adapter;
            this.loadSeconds = loadSeconds;
            this.version = version;
        }

        void closeIfIdle() {
            if (retired && refs.get() == 0 && closed.compareAndSet(false, true)) {
                adapter.close();
                deleteTree(adapter.bundle().dir());
            }
        }
    }

    /** A request's hold on an adapter; closing it lets an unloaded adapter go. */
    public static final class Lease implements AutoCloseable {
        private final Handle h;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Lease(Handle h) {
            this.h = h;
        }

        public ServedAdapter adapter() {
            return h.adapter;
        }

        public long version() {
            return h.version;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                h.refs.decrementAndGet();
                h.closeIfIdle();
            }
        }
    }

    /** One bundle of the folder and its state (Triton's repository index). */
    public record Entry(String name, String state, String reason) {}

    private final Path dir;
    private final BaseIdentity base;
    private final AdapterClassifier.Featurizer featurizer;
    private final BundleLimits limits;
    private final Path work;
    private final Map<String, Handle> loaded = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final AtomicInteger versions = new AtomicInteger();

    /**
     * @param featurizer the shared base's featurizer (null when the server has no base)
     */
    public AdapterRepository(Path dir, BaseIdentity base, AdapterClassifier.Featurizer featurizer, BundleLimits limits) {
        this.dir = dir;
        this.base = base;
        this.featurizer = featurizer;
        this.limits = limits;
        try {
            this.work = Files.createTempDirectory("metamorph-serving");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the server's work folder: " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public BaseIdentity base() {
        return base;
    }

    /** The bundle file of an adapter name. */
    public Path fileOf(String name) {
        return dir.resolve(name + AdapterBundle.SUFFIX);
    }

    /**
     * Loads (or reloads) an adapter from its bundle; requests in flight on a previous version finish on it.
     *
     * @throws BundleException if the bundle is missing or refused (the message says which file or base)
     */
    public synchronized ServedAdapter load(String name) {
        Path file = fileOf(name);
        if (AdapterBundle.nameOf(file) == null) throw new BundleException("'" + name + "' is not an adapter name (A-Z a-z 0-9 . _ -)");
        if (!Files.isRegularFile(file)) throw new BundleException("No bundle " + file + " for adapter '" + name + "'; export one with `metamorph export` into " + dir);
        long t0 = System.nanoTime();
        Path into = work.resolve(name + "-" + versions.incrementAndGet());
        ServedAdapter adapter;
        try {
            AdapterBundle.Loaded b = AdapterBundle.read(file, base, limits, into);
            adapter = ServedAdapter.open(b, featurizer);
        } catch (RuntimeException e) {
            deleteTree(into);
            failures.put(name, e.getMessage());
            throw e;
        }
        failures.remove(name);
        Handle h = new Handle(adapter, (System.nanoTime() - t0) / 1e9, versions.get());
        Handle old = loaded.put(name, h);
        if (old != null) retire(old);
        LOG.info("adapter {} loaded from {} in {} s ({} labels)", name, file, String.format(java.util.Locale.ROOT, "%.2f", h.loadSeconds), adapter.classifier().labels().size());
        return adapter;
    }

    /** Unloads an adapter; returns false if it was not loaded. Requests in flight finish on it. */
    public synchronized boolean unload(String name) {
        Handle h = loaded.remove(name);
        if (h == null) return false;
        retire(h);
        LOG.info("adapter {} unloaded", name);
        return true;
    }

    private static void retire(Handle h) {
        h.retired = true;
        h.closeIfIdle();
    }

    /** A lease on a loaded adapter, or null if it is not loaded. */
    public Lease acquire(String name) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Handle h = loaded.get(name);
            if (h == null) return null;
            h.refs.incrementAndGet();
            if (!h.retired) return new Lease(h);
            h.refs.decrementAndGet(); // replaced or unloaded meanwhile: take the current one
            h.closeIfIdle();
        }
        return null;
    }

    /** Names of the loaded adapters, sorted. */
    public List<String> loadedNames() {
        return loaded.keySet().stream().sorted().toList();
    }

    /** Seconds the adapter took to load, or NaN. */
    public double loadSeconds(String name) {
        Handle h = loaded.get(name);
        return h == null ? Double.NaN : h.loadSeconds;
    }

    /** Resident bytes of each loaded adapter (estimated by {@link AdapterClassifier#residentBytes}). */
    public Map<String, Long> residentBytes() {
        Map<String, Long> out = new TreeMap<>();
        loaded.forEach((n, h) -> out.put(n, h.adapter.classifier().residentBytes()));
        return out;
    }

    /** Every bundle of the folder and every loaded adapter: READY when loaded, else UNAVAILABLE with the last load error if any. */
    public List<Entry> index() {
        Map<String, Entry> out = new TreeMap<>();
        for (String n : bundleNames()) out.put(n, new Entry(n, loaded.containsKey(n) ? "READY" : "UNAVAILABLE", loaded.containsKey(n) ? "" : failures.getOrDefault(n, "unloaded")));
        for (String n : loaded.keySet()) out.putIfAbsent(n, new Entry(n, "READY", ""));
        return new ArrayList<>(out.values());
    }

    /** Names of the bundles in the folder. */
    public List<String> bundleNames() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(AdapterBundle::nameOf).filter(java.util.Objects::nonNull).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the adapters folder " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        for (String n : new ArrayList<>(loaded.keySet())) unload(n);
        deleteTree(work);
    }

    static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", p, e.toString());
        }
    }
}
