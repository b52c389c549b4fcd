package dev.metamorph.prompts;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Static refusal of template constructs that a sandboxed template must not use, found in the
 * source text before Freemarker parses it: the built-ins {@code ?new}, {@code ?api},
 * {@code ?interpret} and {@code ?eval} (the last two build templates and expressions at run time,
 * outside the checks applied at load time), {@code <#include>}/{@code <#import>} of anything but a
 * relative string literal without {@code ..}, the clock ({@code .now}), {@code .get_optional_template}, {@code <#attempt>} (which hides
 * errors and buffers output outside the cap), and the square-bracket tag syntax. The engine is also
 * configured to refuse {@code ?new} and {@code ?api} at render time; this check names the place
 * earlier and covers included templates, since every template is loaded through it.
 */
final class TemplateSourceCheck {
    private static final Pattern COMMENT = Pattern.compile("<#--.*?-->", Pattern.DOTALL);
    private static final Pattern FORBIDDEN_BUILTIN = Pattern.compile("\\?\\s*(new|api|interpret|eval)(?![A-Za-z0-9_])");
    private static final Pattern INCLUDE = Pattern.compile("<#\\s*(include|import)\\b\\s*([^>\\s]*)");
    private static final Pattern LITERAL = Pattern.compile("^(['\"])([^'\"]*)\\1$");
    private static final Pattern ATTEMPT = Pattern.compile("<#\\s*(attempt|recover)\\b");
    private static final Pattern NOW = Pattern.compile("\\.\\s*(now|get_optional_template|getOptionalTemplate)(?![A-Za-z0-9_])");
    private static final Pattern SQUARE_TAG = Pattern.compile("\\[#(ftl|include|import|assign|list|if|macro|function|setting)\\b");

    private TemplateSourceCheck() {}

    /** A refused construct at a 1-based line and column. */
    record Violation(int line, int column, String message) {}

    /** Returns the refused constructs in {@code source}, in order of appearance. */
    static List<Violation> check(String source) {
        String s = blankComments(source);
        List<Violation> out = new ArrayList<>();
        Matcher m = FORBIDDEN_BUILTIN.matcher(s);
        while (m.find()) {
            String name = m.group(1);
            out.add(at(s, m.start(), "the built-in ?" + name + " is not allowed in templates ("
                    + reason(name) + "); remove it and use only the record fields passed to the template"));
        }
        Matcher inc = INCLUDE.matcher(s);
        while (inc.find()) {
            String directive = inc.group(1);
            String arg = inc.group(2);
            Matcher lit = LITERAL.matcher(arg);
            if (!lit.matches()) {
                out.add(at(s, inc.start(), "<#" + directive + "> needs a quoted relative path as its first argument, got "
                        + (arg.isEmpty() ? "nothing" : arg) + "; write e.g. <#" + directive + " \"common.ftl\">"));
                continue;
            }
            String path = lit.group(2);
            if (path.startsWith("/") || path.startsWith("\\") || path.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
                out.add(at(s, inc.start(), "<#" + directive + " \"" + path + "\"> uses an absolute path; "
                        + "templates may only " + directive + " files of their own domain folder by a relative path"));
            } else if (path.replace('\\', '/').matches("(^|.*/)\\.\\.(/.*|$)")) {
                out.add(at(s, inc.start(), "<#" + directive + " \"" + path + "\"> leaves the template's folder with '..'; "
                        + "templates may only " + directive + " files of their own domain folder"));
            }
        }
        Matcher att = ATTEMPT.matcher(s);
        while (att.find()) {
            out.add(at(s, att.start(), "<#" + att.group(1) + "> is not allowed in templates (errors must stop the render, "
                    + "not be hidden, and it buffers output outside the size cap); remove it"));
        }
        Matcher now = NOW.matcher(s);
        while (now.find()) {
            if (insideInterpolationOrTag(s, now.start())) {
                out.add(at(s, now.start(), now.group(1).equals("now")
                        ? "the special variable .now is not allowed in templates (the prompt would change with the clock, "
                                + "so runs would not be reproducible); remove it"
                        : "the special variable ." + now.group(1) + " is not allowed in templates (it loads templates by a "
                                + "computed name); use <#include \"file.ftl\"> with a relative path of the same folder"));
            }
        }
        Matcher sq = SQUARE_TAG.matcher(s);
        while (sq.find()) {
            out.add(at(s, sq.start(), "square-bracket tag syntax [#" + sq.group(1)
                    + "] is not supported; write <#" + sq.group(1) + " ...> instead"));
        }
        out.sort((a, b) -> a.line != b.line ? Integer.compare(a.line, b.line) : Integer.compare(a.column, b.column));
        return out;
    }

    /** True if offset lies inside a ${...} or an FTL tag, where .now would be an expression rather than text. */
    private static boolean insideInterpolationOrTag(String s, int offset) {
        int open = Math.max(s.lastIndexOf("${", offset), Math.max(s.lastIndexOf("<#", offset), s.lastIndexOf("<@", offset)));
        if (open < 0) return false;
        int close = s.indexOf(s.startsWith("${", open) ? "}" : ">", open);
        return close < 0 || close > offset;
    }

    private static String reason(String builtin) {
        return switch (builtin) {
            case "new" -> "it instantiates Java classes";
            case "api" -> "it calls Java methods";
            default -> "it builds code from strings at render time";
        };
    }

    /** Replaces FTL comments by spaces, keeping line breaks so that positions stay right. */
    private static String blankComments(String source) {
        Matcher m = COMMENT.matcher(source);
        StringBuilder sb = new StringBuilder(source.length());
        int last = 0;
        while (m.find()) {
            sb.append(source, last, m.start());
            for (int i = m.start(); i < m.end(); i++) sb.append(source.charAt(i) == '\n' ? '\n' : ' ');
            last = m.end();
        }
        return sb.append(source, last, source.length()).toString();
    }

    private static Violation at(String s, int offset, String message) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < offset; i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new Violation(line, col, message);
    }
}
