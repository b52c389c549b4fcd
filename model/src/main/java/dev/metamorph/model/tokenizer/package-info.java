/**
 * Subword tokenization for the encoder: a deterministic byte-pair-encoding trainer over the
 * meta-training texts and the tokenizer it produces (special ids, unknown characters, maximum
 * length with a truncation policy, a versioned text format saved with the model).
 */
package dev.metamorph.model.tokenizer;
