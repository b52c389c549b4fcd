/**
 * Real multi-domain data for Metamorph: normalized records per domain, class splits and N-way K-shot
 * episode samplers. The API other modules use:
 * {@code DomainStore store = DomainStore.open(cacheDir, cfg.onBadRecord()); store.importIfMissing(cfg);}
 * then {@code store.records("gcide")} (a {@code List<Record>}) or
 * {@code store.classes("gcide", cfg).sampler(ClassSplit.META_TEST, ways, shots, queries).sample(rng)},
 * and {@link dev.metamorph.datasets.MixedEpisodeSampler} for weighted mixed-domain meta-batches.
 */
package dev.metamorph.datasets;
