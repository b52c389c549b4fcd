package dev.metamorph.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Expands {@code -m/--multirun} overrides into one override list per job: the cartesian product of
 * every swept key's values ({@code a=1,2 b=x,y} gives {@code a=1 b=x}, {@code a=1 b=y},
 * {@code a=2 b=x}, {@code a=2 b=y}: the first swept key varies slowest, as Hydra's basic sweeper).
 * Overrides that are not sweeps appear unchanged, as typed, in every job.
 */
public final class SweepExpander {
    /** The most jobs one sweep may have; the product is checked before any job is built. */
    public static final int MAX_JOBS = 1000;

    private SweepExpander() {}

    /** The jobs' overrides, each list in the order the overrides were typed. */
    public static List<List<String>> expand(List<String> overridesAsTyped) {
        List<ConfigOverride> parsed = OverrideParser.parseAll(overridesAsTyped);
        long product = 1;
        List<String> factors = new ArrayList<>();
        for (ConfigOverride o : parsed) {
            if (o.value() instanceof OverrideValue.Sweep sweep) {
                product *= sweep.options().size();
                factors.add(o.key() + " (" + sweep.options().size() + ")");
                if (product > MAX_JOBS) {
                    throw new ConfigError("The sweep has " + (factors.size() > 1 ? "at least " : "") + product + " jobs ("
                            + String.join(" x ", factors) + "), more than the " + MAX_JOBS + " one sweep may run; "
                            + "sweep fewer values, or split it into several sweeps");
                }
            }
        }
        List<List<String>> jobs = new ArrayList<>();
        jobs.add(new ArrayList<>());
        for (ConfigOverride o : parsed) {
            List<String> choices = new ArrayList<>();
            if (o.value() instanceof OverrideValue.Sweep sweep) {
                for (OverrideValue v : sweep.options()) choices.add(o.withValue(v).text());
            } else {
                choices.add(o.text());
            }
            List<List<String>> next = new ArrayList<>();
            for (List<String> job : jobs) {
                for (String choice : choices) {
                    List<String> extended = new ArrayList<>(job);
                    extended.add(choice);
                    next.add(extended);
                }
            }
            jobs = next;
        }
        return jobs.stream().map(List::copyOf).toList();
    }
}
