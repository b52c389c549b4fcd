package dev.metamorph.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the Spark context of the {@code spark} settings (spark-submit's master when {@code spark.master} is empty). */
final class SparkContexts {
    private static final Logger LOG = LoggerFactory.getLogger(SparkContexts.class);

    private SparkContexts() {}

    static JavaSparkContext open(SparkConfig config) {
        SparkConf conf = new SparkConf(true).setAppName(config.appName());
        String master = config.effectiveMaster(conf.contains("spark.master") ? conf.get("spark.master") : null);
        if (master != null) conf.setMaster(master);
        conf.set("spark.task.maxFailures", Integer.toString(config.maxFailures()));
        if (config.executors() > 0) conf.set("spark.executor.instances", Integer.toString(config.executors()));
        if (conf.get("spark.master").startsWith("local") && !conf.contains("spark.driver.host")) conf.set("spark.driver.host", "localhost");
        for (Map.Entry<String, String> e : config.conf().entrySet()) conf.set(e.getKey(), e.getValue());
        long t0 = System.nanoTime();
        JavaSparkContext sc = new JavaSparkContext(conf);
        LOG.info("Spark {} ({}) started in {} s", sc.master(), sc.sc().applicationId(), String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        return sc;
    }
}
