/**
 * The main job as stages that {@code cli} runs and a server can reuse: data (import if missing),
 * base features (a hook for the frozen pretrained base), meta-training, curriculum adaptation and
 * few-shot evaluation with its report, each timed. Progress goes to a {@link
 * dev.metamorph.pipeline.JobListener}; nothing here prints.
 */
package dev.metamorph.pipeline;
