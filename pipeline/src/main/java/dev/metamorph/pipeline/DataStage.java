package dev.metamorph.pipeline;

import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.datasets.importer.SourceMissingException;
import dev.metamorph.core.run.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.List;

/**
 * The data stage: opens the domain store of {@code dataset.cache-dir}, imports the domains that
 * are missing (with {@code progress}), and records each domain's data fingerprint in the run's
 * provenance.
 */
public final class DataStage {
    private static final Logger LOG = LoggerFactory.getLogger(DataStage.class);

    private DataStage() {}

    /**
     * @throws JobInputException if a domain's source files are missing (the message says where to put them)
     */
    public static DomainStore open(RunContext run, DatasetConfig data, ImportProgress progress, JobListener listener) throws IOException {
        DomainStore store = DomainStore.open(data.resolvedCacheDir(run.projectRoot()), data.onBadRecord());
        List<String> imported;
        try {
            imported = store.importIfMissing(data, progress);
        } catch (SourceMissingException e) {
            throw new JobInputException(e.getMessage(), e);
        }
        if (!imported.isEmpty()) listener.imported(imported);
        for (String d : data.domains()) recordFingerprint(run, store, d);
        return store;
    }

    /**
     * Records the SHA-256 of the domain's data file as it is on disk now (the file the run reads),
     * not the one its manifest wrote at import: a file edited or replaced since the import shows up
     * as {@code data.<domain>.sha256} differing from {@code data.<domain>.manifest-sha256}, with a warning.
     */
    static void recordFingerprint(RunContext run, DomainStore store, String domain) throws IOException {
        Path file = store.fileOf(domain);
        if (!Files.isRegularFile(file)) return;
        String actual = AtomicFiles.sha256(file);
        run.addProvenance("data." + domain + ".sha256", actual);
        store.manifest(domain).ifPresent(m -> {
            if (!actual.equals(m.sha256())) {
                run.addProvenance("data." + domain + ".manifest-sha256", m.sha256());
                LOG.warn("{} changed since it was imported (SHA-256 {} on disk, {} in its manifest); the run records the file as read."
                        + " If the change was not intended, delete {} and its manifest and run './metamorph data import {}'", file, actual, m.sha256(), file, domain);
            }
        });
    }
}
