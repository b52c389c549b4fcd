/**
 * Meta-learners over flat-parameter learners: exact second-order MAML (SameDiff graphs built from a
 * learner's backward-as-ops, unrolled or walked in reverse with exact Hessian-vector products, or a
 * learner's exact Java kernel), FOMAML, Reptile, ANIL and Meta-SGD, with outer Adam and clipping.
 * {@link dev.metamorph.maml.MetaLearner} is the mechanism; {@link dev.metamorph.maml.MetaTrainingLoop}
 * drives it with validation, metrics and atomic, bitwise-resumable checkpoints.
 */
package dev.metamorph.maml;
