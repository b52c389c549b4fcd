package dev.metamorph.datasets.importer;

import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import java.util.List;

/**
 * Reads one installed source into cleaned, labelled records (label tags already removed from the
 * texts). Deduplication, writing and the manifest are done by {@link DomainImporter}.
 */
public interface SourceImporter {
    /** The domain name, e.g. {@code gcide}. */
    String domain();

    SourceInfo info();

    /** The source as recorded in the manifest of an import that read {@code records}; {@link #info()} by default. */
    default SourceInfo info(List<Record> records) {
        return info();
    }

    /** The label set written (e.g. {@code topic}, {@code field}). */
    String labelSet(DatasetConfig cfg);

    /**
     * Reads the source.
     *
     * @throws SourceMissingException when the source is not installed (the message names the install step)
     */
    List<Record> read(DatasetConfig cfg, ImportProgress progress);
}
