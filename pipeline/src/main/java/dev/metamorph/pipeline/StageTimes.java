package dev.metamorph.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Wall time of each stage of a job, in the order they ran. Each finished stage goes to the
 * metrics sink as {@code {"event":"stage-time","stage":...,"seconds":...}}; {@link #emitSummary}
 * writes one {@code stage-times} event with all of them. A stage that runs twice (the curriculum
 * per target domain) adds up under one name. Not thread-safe.
 */
public final class StageTimes {
    /** A stage's body. */
    @FunctionalInterface
    public interface Body<T, X extends Exception> {
        T run() throws X;
    }

    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final Consumer<Map<String, Object>> metrics;
    private final LongSupplier nanoClock;

    /** @param metrics receives the stage-time events (e.g. {@code run.metrics()::append}) */
    public StageTimes(Consumer<Map<String, Object>> metrics) {
        this(metrics, System::nanoTime);
    }

    /** With a given clock (tests). */
    StageTimes(Consumer<Map<String, Object>> metrics, LongSupplier nanoClock) {
        this.metrics = metrics;
        this.nanoClock = nanoClock;
    }

    /** Runs {@code body} as stage {@code stage}, records its wall time (also when it throws) and returns its value. */
    public <T, X extends Exception> T time(String stage, Body<T, X> body) throws X {
        long t0 = nanoClock.getAsLong();
        boolean ok = false;
        try {
            T value = body.run();
            ok = true;
            return value;
        } finally {
            double s = (nanoClock.getAsLong() - t0) / 1e9;
            seconds.merge(stage, s, Double::sum);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("event", "stage-time");
            e.put("stage", stage);
            e.put("seconds", s);
            if (!ok) e.put("failed", true);
            metrics.accept(e);
        }
    }

    /** Seconds per stage, in the order the stages first ran. */
    public Map<String, Double> seconds() {
        return new LinkedHashMap<>(seconds);
    }

    /** Writes one {@code stage-times} event holding every stage's seconds. */
    public void emitSummary() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", "stage-times");
        e.putAll(seconds);
        metrics.accept(e);
    }

    /** {@code data 3.1 s, meta-train 40.2 s, ...} */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        seconds.forEach((k, v) -> parts.add(String.format(Locale.ROOT, "%s %.1f s", k, v)));
        return String.join(", ", parts);
    }
}
