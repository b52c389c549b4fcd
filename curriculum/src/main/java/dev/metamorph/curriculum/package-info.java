/**
 * The curriculum engine: progressive fine-tuning of a meta-trained theta_0 to a target domain
 * through a {@link dev.metamorph.core.learn.Learner}, with a base-to-target data mix per stage,
 * gradual unfreezing, discriminative and elastic learning rates with rollback, and EWC against
 * forgetting. {@link dev.metamorph.curriculum.CurriculumEngine} runs it, configured by
 * {@link dev.metamorph.curriculum.CurriculumConfig}, and checkpoints so a run resumes bitwise.
 */
package dev.metamorph.curriculum;
