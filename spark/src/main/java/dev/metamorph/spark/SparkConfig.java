package dev.metamorph.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.metamorph.core.Checks;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The validated {@code spark} namespace.
 *
 * @param master the Spark master, "" = spark-submit's (else {@code local[2]})
 * @param executors executors to request, 0 = the cluster manager's default
 * @param partitions partitions of a meta-batch, 0 = Spark's default parallelism
 * @param maxFailures attempts of a Spark task before the job fails
 * @param failFirstAttemptOfTask test hook: meta-batch index whose Spark task fails on its first attempt, -1 = off
 * @param conf further Spark settings, passed as they are
 */
public record SparkConfig(String master, String appName, int executors, int partitions, int maxFailures, int failFirstAttemptOfTask,
                          Map<String, String> conf) {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)])?");

    public SparkConfig {
        Checks.notNull("spark.master", master);
        Checks.check(!appName.isBlank(), "spark.app-name must not be empty");
        Checks.nonNegative("spark.executors", executors);
        Checks.nonNegative("spark.partitions", partitions);
        Checks.positive("spark.max-failures", maxFailures);
        Checks.check(failFirstAttemptOfTask >= -1, "spark.fail-first-attempt-of-task must be -1 (off) or a task index, got %s", failFirstAttemptOfTask);
        conf = Map.copyOf(conf);
    }

    /** Reads and validates {@code spark}; unknown keys fail naming the key. */
    public static SparkConfig from(Config c) {
        Config reference = ConfigFactory.defaultReference().getConfig("spark");
        Config s = c.getConfig("spark");
        for (var e : s.root().entrySet()) {
            if (!reference.root().containsKey(e.getKey())) {
                throw new ConfigException.BadPath(e.getValue().origin(), "spark." + e.getKey(), "unknown key (a typo?); the spark keys are " + new TreeSet<>(reference.root().keySet()));
            }
        }
        try {
            Map<String, String> conf = new LinkedHashMap<>();
            for (Map.Entry<String, ConfigValue> e : s.getObject("conf").entrySet()) conf.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
            return new SparkConfig(s.getString("master").trim(), s.getString("app-name"), s.getInt("executors"), s.getInt("partitions"),
                    s.getInt("max-failures"), s.getInt("fail-first-attempt-of-task"), conf);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(s.origin(), "spark", e.getMessage(), e);
        }
    }

    /**
     * The master to set, or null to keep spark-submit's: {@code local} and {@code local[k]} become
     * {@code local[k,maxFailures]} because Spark's local mode retries a failed task only in that form.
     */
    public String effectiveMaster(String submitted) {
        String m = master.isEmpty() ? (submitted == null ? "local[2]" : null) : master;
        if (m == null) return null;
        Matcher local = LOCAL.matcher(m);
        if (local.matches()) return "local[" + (local.group(1) == null ? "1" : local.group(1)) + "," + maxFailures + "]";
        return m;
    }
}
