/**
 * The sinusoid benchmark of BENCHMARKS.md section 1: meta-train each algorithm on sinusoid tasks,
 * then adapt on 600 fixed test tasks with 1 and 10 steps and report MSE +- 95% CI, whole-run
 * throughput and the memory of exact second order against the number of inner steps.
 */
package dev.metamorph.pipeline.sinusoid;
