package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad options and settings of {@code export}, {@code serve} and {@code bench serve}: each exits 2
 * with a message that names the option, key or file and what to do, never a Java stack trace, and
 * before a server starts or a bundle is written.
 */
class ExportServeHostileInputTest extends CliTestBase {
    @TempDir
    Path dir;

    private static void exitsTwoSaying(Result r, String text) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(text), "expected '" + text + "' in: " + r.err());
        String all = r.out() + r.err();
        assertFalse(all.contains("Exception") || all.contains("\tat ") || all.contains("java.lang"), all);
    }

    /** A folder that looks like a run (its resolved config) but holds no model. */
    private Path runWithoutModel(String extraConfig) throws IOException {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("config.resolved.conf"), "run.seed = 1\nmodel.base = none\ndataset.source-domains = [wordnet]\ndataset.target-domains = [gcide, foldoc]\n" + extraConfig);
        return run;
    }

    @Test
    void exportOfAFolderThatIsNotARunNamesTheMissingFile() {
        exitsTwoSaying(run("export", "--run", dir.resolve("nothing").toString()), "config.resolved.conf: give --run the folder of a `metamorph run`");
    }

    @Test
    void exportOfARunWithoutAModelSaysMetaTrainingDidNotFinish() throws IOException {
        Path run = runWithoutModel("");
        Path out = dir.resolve("a.adapter.zip");
        exitsTwoSaying(run("export", "--run", run.toString(), "--domain", "gcide", "--out", out.toString()), "the run did not finish meta-training");
        assertFalse(Files.exists(out), "no bundle written");
    }

    @Test
    void exportRefusesABadEncodingRankOrOutForManyDomains() throws IOException {
        Path run = runWithoutModel("");
        exitsTwoSaying(run("export", "--run", run.toString(), "--encoding", "zip"), "--encoding must be full or lowrank, got 'zip'");
        exitsTwoSaying(run("export", "--run", run.toString(), "--rank", "0"), "--rank must be >= 1, got 0");
        exitsTwoSaying(run("export", "--run", run.toString(), "--out", dir.resolve("x.adapter.zip").toString()), "--out names one file but the run has 2 target domains [gcide, foldoc]; add --domain");
        exitsTwoSaying(run("export", "--run", run.toString(), "--rank", "two"), "--rank");
    }

    @Test
    void exportRefusesABadExportSettingInTheRunsConfig() throws IOException {
        Path run = runWithoutModel("export.encoding = zstd\n");
        exitsTwoSaying(run("export", "--run", run.toString()), "export.encoding");
        Path typo = Files.createDirectories(dir.resolve("typo"));
        Files.writeString(typo.resolve("config.resolved.conf"), "run.seed = 1\nmodel.base = none\nexport.shot = 3\n");
        exitsTwoSaying(run("export", "--run", typo.toString()), "export.shot");
        Path domains = Files.createDirectories(dir.resolve("domains"));
        Files.writeString(domains.resolve("config.resolved.conf"), "run.seed = 1\nmodel.base = none\ndataset.target-domains = [klingon]\n");
        exitsTwoSaying(run("export", "--run", domains.toString()), "config.resolved.conf: dataset.target-domains names domain 'klingon'");
    }

    @Test
    void serveRefusesAMissingAdaptersFolderAndBadSettingsBeforeStarting() {
        Path missing = dir.resolve("no-adapters");
        exitsTwoSaying(run("serve", "--adapters", missing.toString(), "model.base=none"), "No adapters folder " + missing);
        exitsTwoSaying(run("serve", "--port", "70000", "--adapters", dir.toString(), "model.base=none"), "--port must be 0..65535");
        exitsTwoSaying(run("serve", "--port", "eighty", "model.base=none"), "--port");
        exitsTwoSaying(run("serve", "--adapters", dir.toString(), "model.base=none", "serving.workers=0"), "serving.workers must be >= 1, got 0");
        exitsTwoSaying(run("serve", "--adapters", dir.toString(), "model.base=none", "serving.batching.max-row=4"), "serving.batching.max-row");
        exitsTwoSaying(run("serve", "--adapters", dir.toString(), "model.base=none", "serving.batching.max-wait-ms=-1"), "serving.batching.max-wait-ms must be in [0, 1000]");
    }

    @Test
    void benchServeRefusesBadCountsAndAFolderWithoutBundles() throws IOException {
        exitsTwoSaying(run("bench", "serve", "--adapters", dir.toString(), "--requests", "0", "model.base=none"), "--requests and --copies must be >= 1");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        exitsTwoSaying(run("bench", "serve", "--adapters", empty.toString(), "model.base=none"), "No bundle (<name>.adapter.zip) in");
        exitsTwoSaying(run("bench", "serve", "--adapters", dir.resolve("missing").toString(), "model.base=none"), "Cannot list the adapters folder");
    }
}
