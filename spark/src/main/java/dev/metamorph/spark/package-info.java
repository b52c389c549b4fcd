/**
 * Meta-training on Apache Spark ({@code maml.executor = spark}): each meta-iteration's tasks go to
 * executors as descriptions, executors compute per-task meta-gradients with workers they keep between
 * iterations, and the driver sums the results in task order, steps Adam and broadcasts the next theta.
 */
package dev.metamorph.spark;
