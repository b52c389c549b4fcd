package dev.metamorph.serving;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.metamorph.pipeline.export.AdapterBundle;
import dev.metamorph.pipeline.export.BaseIdentity;
import dev.metamorph.pipeline.export.BundleException;
import dev.metamorph.pipeline.export.BundleLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Any bytes as an adapter bundle that the server is asked to load: the only acceptable outcomes are
 * a loaded bundle or a {@link BundleException} naming the bundle and the entry at fault, and nothing
 * is ever extracted outside the folder given. Regression mode replays
 * {@code AdapterBundleFuzzTestInputs/}; {@code -Pfuzz} fuzzes.
 */
class AdapterBundleFuzzTest {
    /** The test's own folder: it holds the bundle and the extraction folder, and nothing else may appear in it. */
    private static final Path DIR = tempDir();
    private static final BundleLimits LIMITS = new BundleLimits(1 << 20, 64, 1 << 20, 4 << 20);

    private static Path tempDir() {
        try {
            Path d = Files.createTempDirectory("fuzz-bundles");
            d.toFile().deleteOnExit();
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void adapterBundleReadsOrFailsWithABundleError(byte[] bytes) throws IOException {
        Path bundle = DIR.resolve("x" + AdapterBundle.SUFFIX);
        Path out = DIR.resolve("extract");
        Files.write(bundle, bytes);
        try {
            AdapterBundle.read(bundle, BaseIdentity.NONE, LIMITS, out);
        } catch (BundleException expected) {
            // named bundle and entry
        } finally {
            try (Stream<Path> all = Files.list(DIR)) {
                if (all.anyMatch(p -> !p.equals(bundle) && !p.equals(out))) {
                    throw new IllegalStateException("a file was extracted outside the extraction folder " + out);
                }
            }
            if (Files.exists(out)) {
                try (Stream<Path> walk = Files.walk(out)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
