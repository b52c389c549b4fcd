package dev.metamorph.prompts;

import freemarker.core.InvalidReferenceException;
import freemarker.core.ParseException;
import freemarker.template.MalformedTemplateNameException;
import freemarker.template.TemplateException;
import freemarker.template.TemplateNotFoundException;
import java.util.Locale;

/** Turns what Freemarker throws into a {@link PromptRenderException} naming template:line:col, what and what to do. */
final class RenderFailures {
    private RenderFailures() {}

    static PromptRenderException describe(String template, Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PromptRenderException p) return p;
            if (c instanceof RootedTemplateLoader.RefusedTemplateException r) {
                return new PromptRenderException(r.template, r.line, r.column, firstLineAfterPlace(r.getMessage()), t);
            }
            if (c instanceof RenderStopped s) {
                return new PromptRenderException(s.template != null ? s.template : template, s.line, s.column, s.getMessage(), t);
            }
        }
        if (t instanceof ParseException p) {
            return new PromptRenderException(nameOr(p.getTemplateName(), template), p.getLineNumber(), p.getColumnNumber(),
                    "syntax error: " + firstLine(p.getEditorMessage()) + "; fix the template", t);
        }
        if (t instanceof TemplateNotFoundException nf) {
            return new PromptRenderException(template, 0, 0, "template file " + nf.getTemplateName()
                    + " not found under the templates root; check the `file` of this template in templates.conf", t);
        }
        if (t instanceof MalformedTemplateNameException m) {
            return new PromptRenderException(template, 0, 0, "bad template name: " + m.getMalformednessDescription(), t);
        }
        if (t instanceof TemplateException te) {
            String where = nameOr(te.getTemplateSourceName(), template);
            int line = te.getLineNumber() == null ? 0 : te.getLineNumber();
            int col = te.getColumnNumber() == null ? 0 : te.getColumnNumber();
            if (te instanceof InvalidReferenceException && te.getBlamedExpressionString() != null) {
                return new PromptRenderException(where, line, col, "undefined variable `" + te.getBlamedExpressionString()
                        + "`; a template sees only the record fields declared in `fields` of its templates.conf entry ("
                        + String.join(", ", RecordFields.TOP_LEVEL) + ", meta.<key>) and `verbalizer`: declare the field or fix the name", t);
            }
            String msg = firstLine(te.getMessageWithoutStackTop());
            Throwable cause = te.getCause();
            if (cause != null) {
                for (Throwable c = cause; c != null; c = c.getCause()) {
                    if (c instanceof RootedTemplateLoader.RefusedTemplateException r) {
                        return new PromptRenderException(r.template, r.line, r.column, firstLineAfterPlace(r.getMessage()), t);
                    }
                }
                Throwable root = cause;
                while (root.getCause() != null && root.getCause() != root) root = root.getCause();
                if (root.getMessage() != null && !msg.contains(root.getMessage())) msg += ": " + firstLine(root.getMessage());
            }
            return new PromptRenderException(where, line, col, msg + hint(msg), t);
        }
        if (t instanceof StackOverflowError) {
            return new PromptRenderException(template, 0, 0, "render recursed too deeply (StackOverflowError); "
                    + "check macros or functions that call themselves", t);
        }
        if (t instanceof OutOfMemoryError) {
            return new PromptRenderException(template, 0, 0, "render ran out of memory; a built-in such as ?left_pad "
                    + "or repeated string concatenation built a huge value; limit the sizes in the template", t);
        }
        return new PromptRenderException(template, 0, 0, "render failed: " + t, t);
    }

    private static String hint(String msg) {
        String m = msg.toLowerCase(Locale.ROOT);
        if (m.contains("not allowed") || m.contains("security")) return "; sandboxed templates may not instantiate or call Java code";
        if (m.contains("?api")) return "; ?api is disabled for templates";
        return "; fix the template";
    }

    private static String nameOr(String name, String fallback) {
        return name == null || name.isBlank() ? fallback : name;
    }

    static String firstLine(String s) {
        if (s == null) return "(no message)";
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    private static String firstLineAfterPlace(String message) {
        int i = message.indexOf(": ");
        return i < 0 ? message : message.substring(i + 2);
    }

    /** A render stopped by the sandbox (time limit, output cap), with the instruction it was at when known. */
    static final class RenderStopped extends RuntimeException {
        final String template;
        final int line;
        final int column;

        RenderStopped(String template, int line, int column, String message) {
            super(message, null, false, false);
            this.template = template;
            this.line = line;
            this.column = column;
        }
    }
}
