/**
 * Evaluation: classification metrics (accuracy, macro-F1), means with 95% confidence intervals
 * over episodes, few-shot episode evaluation through a {@code Learner}, and the TF-IDF
 * prototype floor that any learned model must beat.
 */
package dev.metamorph.eval;
