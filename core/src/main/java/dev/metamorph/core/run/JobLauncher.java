package dev.metamorph.core.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.metamorph.core.config.Composition;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.config.ConfigError;
import dev.metamorph.core.config.SweepExpander;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a command's body once per job: "compose, create the {@link RunContext}, run, close". Without
 * {@code -m} there is one job in a fresh {@code run.dir} folder. With {@code -m} the overrides are
 * expanded by {@link SweepExpander}, every job is composed first (so a typo fails before anything
 * runs), and job k runs in {@code <run.multirun-dir>/<k>/} while {@code sweep.json} in the sweep
 * folder records each job's overrides, folder, status and exit code.
 */
public final class JobLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(JobLauncher.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a command does inside one run. Returns its exit code (0 for success). */
    @FunctionalInterface
    public interface JobBody {
        int run(RunContext run) throws Exception;
    }

    /**
     * One job's outcome.
     *
     * @param number    0-based job number (its folder name in a sweep)
     * @param overrides the job's overrides
     * @param dir       its run folder
     * @param status    {@code ok}, {@code failed} or {@code pending}
     * @param exitCode  the body's exit code (1 if it threw)
     * @param error     the exception message when it threw, else null
     */
    public record JobResult(int number, List<String> overrides, Path dir, String status, int exitCode, String error) {}

    /**
     * @param sweepDir the sweep folder, or null for a single run
     * @param jobs     every job's outcome, in order
     */
    public record Outcome(Path sweepDir, List<JobResult> jobs) {
        /** 0 when every job returned 0, else the first non-zero exit code. */
        public int exitCode() {
            return jobs.stream().mapToInt(JobResult::exitCode).filter(c -> c != 0).findFirst().orElse(0);
        }
    }

    /**
     * Checks a job's resolved config before its run folder exists (reads the config records the
     * job will read); throws Typesafe Config's {@code ConfigException} naming the key.
     */
    @FunctionalInterface
    public interface ConfigCheck {
        void check(com.typesafe.config.Config resolved);

        ConfigCheck NONE = c -> { };
    }

    private final ConfigComposer composer;
    private final Clock clock;

    public JobLauncher(ConfigComposer composer, Clock clock) {
        this.composer = composer;
        this.clock = clock;
    }

    /** A launcher with the system clock. */
    public JobLauncher(ConfigComposer composer) {
        this(composer, Clock.systemDefaultZone());
    }

    /** One run, or (with {@code multirun}) one run per job of the sweep. */
    public Outcome launch(List<String> overridesAsTyped, boolean multirun, JobBody body) throws Exception {
        return launch(overridesAsTyped, multirun, ConfigCheck.NONE, body);
    }

    /**
     * As {@link #launch(List, boolean, JobBody)}, checking every job's config with {@code check}
     * first: a refused value is a {@link ConfigError} naming the override as typed, and no run or
     * sweep folder is made.
     */
    public Outcome launch(List<String> overridesAsTyped, boolean multirun, ConfigCheck check, JobBody body) throws Exception {
        return multirun ? sweep(overridesAsTyped, check, body) : single(overridesAsTyped, check, body);
    }

    private static void checkBeforeFolder(Composition comp, ConfigCheck check, String job) {
        try {
            check.check(comp.config().resolve());
        } catch (com.typesafe.config.ConfigException e) {
            ConfigError explained = ConfigError.explained(e, comp.origins());
            throw job == null ? explained : new ConfigError(job + ": " + explained.getMessage(), e);
        }
    }

    /** One run in a fresh {@code run.dir} folder; an exception from the body propagates after the run is closed. */
    public Outcome single(List<String> overridesAsTyped, JobBody body) throws Exception {
        return single(overridesAsTyped, ConfigCheck.NONE, body);
    }

    /** As {@link #single(List, JobBody)}, with the config checked before the run folder is made. */
    public Outcome single(List<String> overridesAsTyped, ConfigCheck check, JobBody body) throws Exception {
        Composition comp = composer.compose(overridesAsTyped);
        checkBeforeFolder(comp, check, null);
        try (RunContext run = RunContext.create(composer.projectRootDir(), comp.config(), overridesAsTyped, clock)) {
            int code;
            try {
                code = body.run(run);
            } catch (com.typesafe.config.ConfigException e) {
                // a config record refused a value: name where it was set, as typed, and exit as a configuration error
                ConfigError explained = ConfigError.explained(e, comp.origins());
                run.addProvenance("status", "failed: " + explained.getMessage());
                throw explained;
            } catch (Exception | Error e) {
                run.addProvenance("status", "failed: " + e);
                throw e;
            }
            run.addProvenance("status", code == 0 ? "ok" : "failed");
            run.addProvenance("exit_code", code);
            return new Outcome(null, List.of(new JobResult(0, List.copyOf(overridesAsTyped), run.dir(), code == 0 ? "ok" : "failed", code, null)));
        }
    }

    /** One run per job of the sweep, each in {@code <sweep folder>/<k>/}; failures are recorded and the sweep goes on. */
    public Outcome sweep(List<String> overridesAsTyped, JobBody body) {
        return sweep(overridesAsTyped, ConfigCheck.NONE, body);
    }

    /** As {@link #sweep(List, JobBody)}, with every job's config checked before the sweep folder is made. */
    public Outcome sweep(List<String> overridesAsTyped, ConfigCheck check, JobBody body) {
        List<List<String>> jobOverrides = SweepExpander.expand(overridesAsTyped);
        List<Composition> compositions = new ArrayList<>();
        for (List<String> job : jobOverrides) compositions.add(composer.compose(job));
        for (int k = 0; k < compositions.size(); k++) {
            checkBeforeFolder(compositions.get(k), check, "job " + k + " (" + String.join(" ", jobOverrides.get(k)) + ")");
        }
        RunConfig first = RunConfig.from(compositions.get(0).config());
        ZonedDateTime started = ZonedDateTime.now(clock);
        Path sweepDir = FolderPattern.createFresh(composer.projectRootDir(), first.multirunDir(), first.name(), started);
        List<JobResult> results = new ArrayList<>();
        for (int k = 0; k < jobOverrides.size(); k++) {
            results.add(new JobResult(k, jobOverrides.get(k), sweepDir.resolve(Integer.toString(k)), "pending", 0, null));
        }
        LOG.info("Sweep of {} jobs in {}", results.size(), sweepDir);
        writeSummary(sweepDir, overridesAsTyped, started, null, results);
        for (int k = 0; k < results.size(); k++) {
            JobResult pending = results.get(k);
            JobResult done;
            try (RunContext run = RunContext.createIn(pending.dir(), composer.projectRootDir(), compositions.get(k).config(), pending.overrides(), clock)) {
                run.addProvenance("sweep", Map.of("dir", sweepDir.toString(), "job", k));
                try {
                    int code = body.run(run);
                    run.addProvenance("status", code == 0 ? "ok" : "failed");
                    run.addProvenance("exit_code", code);
                    done = new JobResult(k, pending.overrides(), pending.dir(), code == 0 ? "ok" : "failed", code, null);
                } catch (com.typesafe.config.ConfigException e) {
                    String why = ConfigError.explained(e, compositions.get(k).origins()).getMessage();
                    LOG.error("Job {} ({}) failed: {}", k, String.join(" ", pending.overrides()), why);
                    run.addProvenance("status", "failed: " + why);
                    done = new JobResult(k, pending.overrides(), pending.dir(), "failed", 2, why);
                } catch (Exception e) {
                    LOG.error("Job {} ({}) failed", k, String.join(" ", pending.overrides()), e);
                    run.addProvenance("status", "failed: " + e);
                    done = new JobResult(k, pending.overrides(), pending.dir(), "failed", 1, String.valueOf(e.getMessage()));
                }
            }
            results.set(k, done);
            writeSummary(sweepDir, overridesAsTyped, started, k == results.size() - 1 ? ZonedDateTime.now(clock) : null, results);
        }
        return new Outcome(sweepDir, List.copyOf(results));
    }

    private static void writeSummary(Path sweepDir, List<String> typed, ZonedDateTime started, ZonedDateTime ended, List<JobResult> jobs) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("sweep_dir", sweepDir.toString());
        summary.put("overrides", typed);
        summary.put("started", started.toOffsetDateTime().toString());
        summary.put("ended", ended == null ? null : ended.toOffsetDateTime().toString());
        List<Map<String, Object>> list = new ArrayList<>();
        for (JobResult j : jobs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("job", j.number());
            m.put("dir", sweepDir.relativize(j.dir()).toString());
            m.put("overrides", j.overrides());
            m.put("status", j.status());
            m.put("exit_code", j.exitCode());
            m.put("error", j.error());
            list.add(m);
        }
        summary.put("jobs", list);
        try {
            AtomicFiles.writeString(sweepDir.resolve("sweep.json"), JSON.writeValueAsString(summary) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the sweep summary: " + e.getOriginalMessage(), e);
        }
    }
}
