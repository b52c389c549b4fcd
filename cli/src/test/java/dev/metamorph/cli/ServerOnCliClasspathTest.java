package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.pipeline.export.BaseIdentity;
import dev.metamorph.serving.InferenceServer;
import dev.metamorph.serving.ServingConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server answers over HTTP with the command line's own class path (which also holds Spark and
 * its older servlet API): Jetty 12 needs jakarta.servlet-api 6, and with Spark's 5.0.0 winning the
 * version every request failed with NoClassDefFoundError jakarta/servlet/ServletConnection (500).
 */
class ServerOnCliClasspathTest {
    @Test
    void healthAndAnInferErrorAreAnsweredAsJson(@TempDir Path dir) throws Exception {
        ServingConfig config = ServingConfig.from(com.typesafe.config.ConfigFactory.defaultReference(), dir).withPort(0).withAdaptersDir(Files.createDirectories(dir.resolve("a")));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (InferenceServer s = InferenceServer.start(config, () -> new InferenceServer.Base(BaseIdentity.NONE, null, 0, null))) {
            assertTrue(s.awaitReady(30_000));
            String base = "http://127.0.0.1:" + s.port();
            HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/live")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, live.statusCode(), live.body());
            HttpResponse<String> infer = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/none/infer")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, infer.statusCode(), infer.body());
            assertTrue(infer.body().contains("\"field\":\"adapter\""), infer.body());
        }
    }
}
