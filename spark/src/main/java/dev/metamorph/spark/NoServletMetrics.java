package dev.metamorph.spark;

import com.codahale.metrics.MetricRegistry;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.metrics.sink.MetricsServlet;
import org.sparkproject.jetty.servlet.ServletContextHandler;

/**
 * Spark's default {@code servlet} metrics sink without its servlet: the JSON metrics page belongs to
 * the web UI, which Metamorph runs with off ({@code spark.ui.enabled = false}), yet Spark built the
 * servlet anyway, and that needs the servlet 5 API (jakarta.servlet.SingleThreadModel), which the
 * servlet 6 API that the inference server's Jetty 12 needs no longer has. Set as
 * {@code spark.metrics.conf.driver.sink.servlet.class} in this module's reference.conf: the driver
 * only, since executors on a cluster load their metrics sinks before the application's jar is on
 * their class path, and run on Spark's own jars (servlet API 5) anyway.
 */
public final class NoServletMetrics extends MetricsServlet {
    public NoServletMetrics(Properties property, MetricRegistry registry) {
        super(property, registry);
    }

    @Override
    public ServletContextHandler[] getHandlers(SparkConf conf) {
        return new ServletContextHandler[0];
    }
}
