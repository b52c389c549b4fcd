/**
 * A small dense ReLU network with MSE loss over one flat parameter vector (the sinusoid MLP
 * 1-40-40-1 of Finn et al.), as a task-batched {@link dev.metamorph.core.learn.GraphLearner} whose
 * gradient is written as SameDiff forward ops, and as an exact allocation-free Java kernel
 * ({@link dev.metamorph.model.mlp.MlpKernel}) for speed. Both paths agree to rounding.
 */
package dev.metamorph.model.mlp;
