/**
 * Meta-training and evaluation on Apache Spark ({@code maml.executor}, {@code eval.executor = spark}):
 * each meta-iteration's tasks, and each evaluation episode, go to executors as descriptions; executors
 * compute with workers they keep between calls, and the driver combines the results in task order
 * (sums the meta-gradients, steps Adam and broadcasts the next theta; adds the episode scores).
 */
package dev.metamorph.spark;
