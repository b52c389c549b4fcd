/**
 * The adapter bundle: what {@code metamorph export} writes for one domain (manifest, parameters as
 * safetensors, full or as a low-rank delta from theta_0, support records, templates, tokenizer,
 * lexical weights) and how a server reads it back, verifying every file's SHA-256, the base it was
 * made for and the archive's entry names and sizes before anything is used.
 */
package dev.metamorph.pipeline.export;
