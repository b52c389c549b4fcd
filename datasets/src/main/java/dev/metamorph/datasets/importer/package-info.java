/**
 * Importers that turn installed sources (WordNet 3.1 from the classpath, GCIDE and FOLDOC from dictd
 * files) into cleaned, labelled records, and {@link dev.metamorph.datasets.importer.DomainImporter},
 * which deduplicates them and writes one JSONL file and manifest per domain, atomically. The GCIDE
 * field mapping lives in the data file {@code gcide-fields.tsv}, not in code.
 */
package dev.metamorph.datasets.importer;
