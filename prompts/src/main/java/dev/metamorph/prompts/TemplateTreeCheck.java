package dev.metamorph.prompts;

import freemarker.core.TemplateElement;
import freemarker.template.Template;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The second static check, on what Freemarker parsed rather than on the source text: every
 * instruction's canonical form (as Freemarker prints it back: comments dropped, raw strings
 * written as ordinary literals, no layout) is checked for the refused built-ins, the clock and
 * computed template names. This sees through what a text check cannot: a comment inside a
 * built-in's name ({@code ?[#-- c --]eval}), a {@code >} inside a tag
 * ({@code (1 > 0)?then(.now, 0)}), and include paths built from expressions
 * ({@code "." + "./x.ftl"}). Text blocks and comments are not checked: they never run.
 */
final class TemplateTreeCheck {
    private static final Pattern FORBIDDEN_BUILTIN = Pattern.compile("\\?(new|api|interpret|eval)(?![A-Za-z0-9_])");
    private static final Pattern SPECIAL_VARIABLE = Pattern.compile(
            "(?<![A-Za-z0-9_)\\]}\"'])\\.(now|get_optional_template|getOptionalTemplate)(?![A-Za-z0-9_])");
    private static final Pattern INCLUDE_ARGS = Pattern.compile(
            "<#(include|import) \"((?:[^\"\\\\])*)\"((?: (?:parse|encoding|ignore_missing|ignoreMissing)=(?:true|false|\"[A-Za-z0-9_-]*\"))*"
                    + "(?: as [A-Za-z_][A-Za-z0-9_]*)?)/?>");

    private TemplateTreeCheck() {}

    /** The first refused construct of a parsed template, or null when there is none. */
    static TemplateSourceCheck.Violation check(Template template) {
        return walk(template.getRootTreeNode());
    }

    private static TemplateSourceCheck.Violation walk(TemplateElement e) {
        if (e == null) return null;
        for (int i = 0; i < e.getChildCount(); i++) {
            TemplateSourceCheck.Violation v = walk((TemplateElement) e.getChildAt(i));
            if (v != null) return v;
        }
        String kind = e.getClass().getSimpleName();
        if (kind.equals("TextBlock") || kind.equals("Comment")) return null;
        String problem = problem(kind, ownCanonicalForm(e));
        return problem == null ? null : new TemplateSourceCheck.Violation(e.getBeginLine(), e.getBeginColumn(), problem);
    }

    /** The element's canonical form without its children's (which are checked on their own). */
    private static String ownCanonicalForm(TemplateElement e) {
        String s = e.getCanonicalForm();
        if (e.getChildCount() == 0) return s;
        StringBuilder own = new StringBuilder(s.length());
        int from = 0;
        for (int i = 0; i < e.getChildCount(); i++) {
            String child = ((TemplateElement) e.getChildAt(i)).getCanonicalForm();
            int at = s.indexOf(child, from);
            if (at < 0) return s; // not laid out as expected: check the whole form (may over-report, never under-report)
            own.append(s, from, at).append(' ');
            from = at + child.length();
        }
        return own.append(s, from, s.length()).toString();
    }

    static String problem(String kind, String form) {
        Matcher b = FORBIDDEN_BUILTIN.matcher(form);
        if (b.find()) {
            return "the built-in ?" + b.group(1) + " is not allowed in templates (" + TemplateSourceCheck.reason(b.group(1))
                    + "); remove it and use only the record fields passed to the template";
        }
        Matcher v = SPECIAL_VARIABLE.matcher(form);
        if (v.find()) {
            return v.group(1).equals("now")
                    ? "the special variable .now is not allowed in templates (the prompt would change with the clock, "
                            + "so runs would not be reproducible); remove it"
                    : "the special variable ." + v.group(1) + " is not allowed in templates (it loads templates by a "
                            + "computed name); use <#include \"file.ftl\"> with a relative path of the same folder";
        }
        if (kind.equals("AttemptBlock") || kind.equals("RecoveryBlock")) {
            return "<#attempt> is not allowed in templates (errors must stop the render, not be hidden); remove it";
        }
        if (kind.equals("Include") || kind.equals("LibraryLoad")) {
            String directive = kind.equals("Include") ? "include" : "import";
            Matcher m = INCLUDE_ARGS.matcher(form);
            if (!m.matches()) {
                return "<#" + directive + "> needs one quoted relative path (a string literal, not an expression), got "
                        + form + "; write e.g. <#" + directive + " \"common.ftl\">";
            }
            return TemplateSourceCheck.includePathProblem(directive, m.group(2));
        }
        return null;
    }
}
