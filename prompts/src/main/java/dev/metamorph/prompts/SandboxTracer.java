package dev.metamorph.prompts;

import freemarker.core.Environment;
import freemarker.core.TemplateProcessingTracer;

/**
 * Called by Freemarker on entering every instruction of a render: stops the render once its
 * deadline has passed or its thread was interrupted, and remembers the instruction last entered so
 * that any stop can name template:line:col. Together with the interruption checks that
 * {@link SandboxConfiguration} puts into every loop body, this stops loops that write nothing.
 */
final class SandboxTracer implements TemplateProcessingTracer {
    private final long deadlineNanos;
    private final long limitMs;
    private volatile TracedElement current;

    SandboxTracer(long deadlineNanos, long limitMs) {
        this.deadlineNanos = deadlineNanos;
        this.limitMs = limitMs;
    }

    @Override
    public void enterElement(Environment env, TracedElement element) {
        current = element;
        if (System.nanoTime() - deadlineNanos > 0 || Thread.currentThread().isInterrupted()) {
            throw stopped("render passed its time limit of " + limitMs + " ms (prompts.render-time-limit-ms); "
                    + "a loop over a huge range, a recursion or a costly built-in is the usual cause: bound it");
        }
    }

    @Override
    public void exitElement(Environment env, TracedElement element) {
        // the deadline is checked on entry only
    }

    /** An exception naming the instruction last entered. */
    RenderFailures.RenderStopped stopped(String message) {
        TracedElement e = current;
        if (e == null) return new RenderFailures.RenderStopped(null, 0, 0, message);
        String name = e.getTemplate() == null ? null : e.getTemplate().getSourceName();
        return new RenderFailures.RenderStopped(name, e.getBeginLine(), e.getBeginColumn(), message);
    }
}
