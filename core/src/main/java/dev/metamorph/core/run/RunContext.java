package dev.metamorph.core.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.metamorph.core.SeedSequence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run on disk. {@link #create} makes a fresh folder from the {@code run.dir} pattern
 * ({@code outputs/<yyyy-MM-dd>/<HH-mm-ss>[_<name>]/}, never reusing an existing folder) and writes
 * {@code config.resolved.conf}, {@code overrides.txt} (exactly as typed) and {@code provenance.json}
 * (git commit and dirty flag, JVM, dtype, seed, start time; callers add backend and data
 * fingerprints with {@link #addProvenance}). {@link #close()} records the end time. While open, the
 * context holds an operating-system lock on {@code .lock} in the folder, so a second process on the
 * same folder is refused ({@link RunFolderInUseException}); {@link #resume} reopens a folder.
 *
 * <p>Every random generator of the run comes from {@link #seeds()}, a {@link SeedSequence} of
 * {@code run.seed}. Not thread-safe except for {@link #metrics()}.
 */
public final class RunContext implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunContext.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path projectRoot;
    private final Path dir;
    private final Config config;
    private final RunConfig run;
    private final SeedSequence seeds;
    private final Clock clock;
    private final Map<String, Object> provenance = new LinkedHashMap<>();
    private final List<String> overrides;
    private final RunFolderLock lock;
    private MetricsLog metrics;
    private boolean closed;

    /** Reopens a run folder (see {@link #resume}); the lock is already held. */
    private RunContext(Path projectRoot, Path dir, Config resolved, RunConfig run, List<String> overrides, Clock clock,
            RunFolderLock lock, Map<String, Object> provenance) {
        this.projectRoot = projectRoot;
        this.dir = dir;
        this.config = resolved;
        this.run = run;
        this.seeds = new SeedSequence(run.seed());
        this.clock = clock;
        this.overrides = overrides;
        this.lock = lock;
        this.provenance.putAll(provenance);
    }

    private RunContext(Path projectRoot, Path dir, Config resolved, RunConfig run, List<String> overrides, Clock clock) {
        this.projectRoot = projectRoot;
        this.dir = dir;
        this.config = resolved;
        this.run = run;
        this.seeds = new SeedSequence(run.seed());
        this.clock = clock;
        this.overrides = overrides;
        this.lock = RunFolderLock.acquire(dir);
        AtomicFiles.writeString(dir.resolve("config.resolved.conf"), render(resolved));
        AtomicFiles.writeString(dir.resolve("overrides.txt"), overrides.isEmpty() ? "" : String.join("\n", overrides) + "\n");
        provenance.put("run_dir", dir.toString());
        provenance.put("name", run.name());
        provenance.put("seed", run.seed());
        provenance.put("dtype", run.dtype());
        provenance.put("started", ZonedDateTime.now(clock).toOffsetDateTime().toString());
        provenance.put("ended", null);
        provenance.put("overrides", List.copyOf(overrides));
        provenance.put("git", GitState.of(projectRoot).map(g -> {
            Map<String, Object> git = new LinkedHashMap<>();
            git.put("commit", g.commit());
            git.put("dirty", g.dirty());
            return git;
        }).orElse(null));
        Map<String, Object> jvm = new LinkedHashMap<>();
        jvm.put("version", System.getProperty("java.version"));
        jvm.put("vendor", System.getProperty("java.vendor"));
        jvm.put("vm", System.getProperty("java.vm.name"));
        jvm.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        jvm.put("processors", Runtime.getRuntime().availableProcessors());
        provenance.put("jvm", jvm);
        writeProvenance();
        LOG.info("Run folder {}", dir);
    }

    /**
     * Creates the run folder from {@code run.dir} (relative to {@code projectRoot}) and writes the
     * resolved config, the overrides as typed and the provenance.
     *
     * @param projectRoot       folder that relative paths resolve against
     * @param composed          composed config (resolved here if it is not)
     * @param overridesAsTyped  the command-line overrides exactly as the user typed them
     */
    public static RunContext create(Path projectRoot, Config composed, List<String> overridesAsTyped) {
        return create(projectRoot, composed, overridesAsTyped, Clock.systemDefaultZone());
    }

    /** As {@link #create(Path, Config, List)} with an explicit clock (for the folder name and times). */
    public static RunContext create(Path projectRoot, Config composed, List<String> overridesAsTyped, Clock clock) {
        Config resolved = composed.resolve();
        RunConfig run = RunConfig.from(resolved);
        Path dir = FolderPattern.createFresh(projectRoot, run.dir(), run.name(), ZonedDateTime.now(clock));
        return new RunContext(projectRoot, dir, resolved, run, List.copyOf(overridesAsTyped), clock);
    }

    /**
     * Creates a run in a given folder (which must not exist yet or be empty), as a multirun job
     * does; {@code run.dir} is not used.
     */
    public static RunContext createIn(Path dir, Path projectRoot, Config composed, List<String> overridesAsTyped, Clock clock) {
        Config resolved = composed.resolve();
        RunConfig run = RunConfig.from(resolved);
        try {
            Files.createDirectories(dir);
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException("Run folder " + dir + " is not empty; a run never overwrites another run's files");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create run folder " + dir + ": " + e.getMessage(), e);
        }
        return new RunContext(projectRoot, dir, resolved, run, List.copyOf(overridesAsTyped), clock);
    }

    /**
     * Reopens an existing run folder to continue it ({@code --resume}): takes the folder's lock
     * (refusing a folder another process holds), reads {@code config.resolved.conf} and
     * {@code provenance.json}, appends the time to the provenance's {@code resumed} list and clears
     * {@code ended}, which {@link #close()} records again. Nothing else is rewritten.
     *
     * @throws IllegalArgumentException if the folder is not a run folder (names the missing file)
     * @throws RunFolderInUseException if another process holds the folder
     */
    public static RunContext resume(Path dir, Path projectRoot, Clock clock) {
        Path conf = dir.resolve("config.resolved.conf");
        Path prov = dir.resolve("provenance.json");
        for (Path need : List.of(conf, prov)) {
            if (!Files.isRegularFile(need)) throw new IllegalArgumentException(need + " does not exist; give the folder of a run to resume");
        }
        RunFolderLock lock = RunFolderLock.acquire(dir);
        try {
            Config resolved = com.typesafe.config.ConfigFactory.parseFile(conf.toFile())
                    .withFallback(com.typesafe.config.ConfigFactory.defaultReference()).resolve();
            RunConfig run = RunConfig.from(resolved);
            Map<String, Object> p;
            try {
                p = JSON.readValue(prov.toFile(), new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() { });
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read " + prov + ": " + e.getMessage() + "; it is not a run's provenance", e);
            }
            List<String> overrides = p.get("overrides") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
            RunContext ctx = new RunContext(projectRoot, dir, resolved, run, overrides, clock, lock, p);
            List<Object> resumed = new java.util.ArrayList<>();
            if (p.get("resumed") instanceof List<?> earlier) resumed.addAll(earlier);
            resumed.add(ZonedDateTime.now(clock).toOffsetDateTime().toString());
            ctx.provenance.put("resumed", resumed);
            ctx.provenance.put("ended", null);
            ctx.writeProvenance();
            LOG.info("Resuming run folder {}", dir);
            return ctx;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Cuts {@code metrics.jsonl} back to what was logged up to {@code step} (see
     * {@link MetricsLog#rewind}), so a run resumed from a checkpoint of that step logs the later
     * steps once. Returns the number of lines dropped.
     */
    public synchronized int rewindMetrics(long step) {
        if (metrics != null) metrics.close();
        return MetricsLog.rewind(dir.resolve("metrics.jsonl"), step);
    }

    /** The run folder. */
    public Path dir() {
        return dir;
    }

    /** The project root that relative paths in the config resolve against. */
    public Path projectRoot() {
        return projectRoot;
    }

    /** Resolves a path from the config against the project root (absolute paths stay as they are). */
    public Path resolvePath(String configuredPath) {
        return projectRoot.resolve(configuredPath).normalize();
    }

    /** The overrides of this run exactly as typed (a sweep job's own overrides). */
    public List<String> overrides() {
        return overrides;
    }

    /** The resolved, composed configuration of this run. */
    public Config config() {
        return config;
    }

    /** The {@code run} namespace as a record. */
    public RunConfig runConfig() {
        return run;
    }

    /** The run's seed sequence (root seed {@code run.seed}); derive one generator per component. */
    public SeedSequence seeds() {
        return seeds;
    }

    /**
     * Seeds ND4J's global random generator from {@code seeds().derive("nd4j")} and records it in the
     * provenance. The one place allowed to touch global random state; it loads the ND4J backend, so
     * only commands that use ND4J call it (library code takes a generator as an argument instead).
     */
    public void seedNd4j() {
        long seed = seeds.derive("nd4j");
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(seed);
        addProvenance("nd4j_seed", seed);
    }

    /** The append-only {@code metrics.jsonl} of this run. */
    public synchronized MetricsLog metrics() {
        if (metrics == null) metrics = new MetricsLog(dir.resolve("metrics.jsonl"));
        return metrics;
    }

    /** {@code <dir>/checkpoints/}, created on first use. */
    public Path checkpointsDir() {
        return subfolder("checkpoints");
    }

    /** {@code <dir>/report/}, created on first use. */
    public Path reportDir() {
        return subfolder("report");
    }

    /**
     * Adds or replaces one provenance entry (backend, data fingerprints...) and rewrites
     * {@code provenance.json}. Values must be JSON-serialisable (strings, numbers, maps, lists).
     */
    public synchronized void addProvenance(String key, Object value) {
        Objects.requireNonNull(key, "key");
        provenance.put(key, value);
        writeProvenance();
    }

    /** A copy of the provenance entries written so far. */
    public synchronized Map<String, Object> provenance() {
        return new LinkedHashMap<>(provenance);
    }

    /** Records the end time in {@code provenance.json} and closes the metrics file. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            if (metrics != null) metrics.close();
            provenance.put("ended", ZonedDateTime.now(clock).toOffsetDateTime().toString());
            writeProvenance();
        } finally {
            lock.close();
        }
    }

    private Path subfolder(String name) {
        Path p = dir.resolve(name);
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + p + ": " + e.getMessage(), e);
        }
    }

    private void writeProvenance() {
        try {
            AtomicFiles.writeString(dir.resolve("provenance.json"), JSON.writeValueAsString(provenance) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Provenance is not JSON-serialisable: " + e.getOriginalMessage(), e);
        }
    }

    /** Renders a config as HOCON without origin comments (the form of {@code config.resolved.conf}). */
    public static String render(Config config) {
        return config.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false).setFormatted(true));
    }
}
