/**
 * Evaluation: classification metrics (accuracy, macro-F1), means with 95% confidence intervals
 * over episodes, few-shot episode evaluation through a {@code Learner}, the no-training floors
 * that any learned model must beat (TF-IDF prototype, and on caller-supplied dense vectors the base
 * prototype, a linear probe and TF-IDF+base), and the {@code results.json} table.
 */
package dev.metamorph.eval;
