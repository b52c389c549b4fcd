/**
 * The gated-attention encoder that meta-learning adapts, seen as a function of one flat parameter
 * vector: {@link dev.metamorph.model.GatedAttentionLearner} implements the core {@code Learner} and
 * {@code GraphLearner} contracts with SameDiff graphs whose backward pass is written as forward ops
 * (so MAML can differentiate through inner steps exactly). Also here: the model config, token
 * batches, the versioned model archive and the speed benchmark.
 */
package dev.metamorph.model;
