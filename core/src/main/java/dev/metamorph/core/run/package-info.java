/**
 * One run of Metamorph on disk: {@link dev.metamorph.core.run.RunContext} creates the run folder
 * (resolved config, overrides as typed, provenance, metrics, checkpoints) and derives every
 * component's random generator from {@code run.seed}. {@link dev.metamorph.core.run.Multirun}
 * expands a sweep into numbered job folders with a sweep summary.
 */
package dev.metamorph.core.run;
