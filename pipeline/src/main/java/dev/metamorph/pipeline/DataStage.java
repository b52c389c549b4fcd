package dev.metamorph.pipeline;

import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.datasets.importer.ImportProgress;
import dev.metamorph.datasets.importer.SourceMissingException;
import java.io.IOException;
import java.util.List;

/**
 * The data stage: opens the domain store of {@code dataset.cache-dir}, imports the domains that
 * are missing (with {@code progress}), and records each domain's data fingerprint in the run's
 * provenance.
 */
public final class DataStage {
    private DataStage() {}

    /**
     * @throws JobInputException if a domain's source files are missing (the message says where to put them)
     */
    public static DomainStore open(RunContext run, DatasetConfig data, ImportProgress progress, JobListener listener) throws IOException {
        DomainStore store = DomainStore.open(data.resolvedCacheDir(run.projectRoot()), data.onBadRecord());
        List<String> imported;
        try {
            imported = store.importIfMissing(data, StageProgress.prefixed(progress, "import "));
        } catch (SourceMissingException e) {
            throw new JobInputException(e.getMessage(), e);
        }
        if (!imported.isEmpty()) listener.imported(imported);
        for (String d : data.domains()) store.manifest(d).ifPresent(m -> run.addProvenance("data." + d + ".sha256", m.sha256()));
        return store;
    }
}
