package dev.metamorph.pipeline;

import dev.metamorph.core.run.RunContext;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainStore;
import java.io.IOException;

/**
 * The stage between data and meta-training that computes what a frozen pretrained base gives
 * each record (token states, cached per base, template and text) before any training step reads
 * them. The model module's base encoder plugs in here ({@link MainJob#withBaseFeatures}); with
 * {@code model.base = none} (the embedding table, today's only base) there is nothing to compute,
 * {@link #NONE} runs, and the job records no time for the stage.
 */
@FunctionalInterface
public interface BaseFeaturesStage {
    /** No pretrained base: nothing to compute. */
    BaseFeaturesStage NONE = (run, store, data) -> { };

    /** Computes (or finds in the cache) the base's features for the records of {@code data}'s domains. */
    void prepare(RunContext run, DomainStore store, DatasetConfig data) throws IOException;
}
