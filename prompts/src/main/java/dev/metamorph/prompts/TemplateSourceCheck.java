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
    private static final Pattern FORBIDDEN_BUILTIN = Pattern.compile("\\?\\s*(new|api|interpret|eval)(?![A-Za-z0-9_])");
    private static final Pattern INCLUDE = Pattern.compile("<#\\s*(include|import)\\b([^>]*)");
    private static final Pattern LITERAL = Pattern.compile("\\s*(['\"])([^'\"]*)\\1");
    /** What may follow the path literal: named options with literal values, and {@code as name} for imports. */
    private static final Pattern REST_OF_INCLUDE = Pattern.compile(
            "(\\s+(parse|encoding|ignore_missing|ignoreMissing)\\s*=\\s*(true|false|\"[A-Za-z0-9_-]*\"|'[A-Za-z0-9_-]*'))*"
                    + "(\\s+as\\s+[A-Za-z_][A-Za-z0-9_]*)?\\s*/?\\s*");
    /** At most this many violations are collected (the loader reports the first; lint lists a few). */
    private static final int MAX_VIOLATIONS = 100;
    private static final Pattern ATTEMPT = Pattern.compile("<#\\s*(attempt|recover)\\b");
    private static final Pattern NOW = Pattern.compile("\\.\\s*(now|get_optional_template|getOptionalTemplate)(?![A-Za-z0-9_])");
    private static final Pattern SQUARE_TAG = Pattern.compile("\\[#(ftl|include|import|assign|list|if|macro|function|setting)\\b");

    private TemplateSourceCheck() {}

    /** A refused construct at a 1-based line and column. */
    record Violation(int line, int column, String message) {}

    /** Returns the refused constructs in {@code source} (at most {@value #MAX_VIOLATIONS}), in order of appearance. Linear in its length. */
    static List<Violation> check(String source) {
        String s = blankComments(source);
        Positions pos = new Positions(s);
        List<Violation> out = new ArrayList<>();
        Matcher m = FORBIDDEN_BUILTIN.matcher(s);
        while (m.find() && out.size() < MAX_VIOLATIONS) {
            String name = m.group(1);
            out.add(pos.at(m.start(), "the built-in ?" + name + " is not allowed in templates ("
                    + reason(name) + "); remove it and use only the record fields passed to the template"));
        }
        Matcher inc = INCLUDE.matcher(s);
        while (inc.find() && out.size() < MAX_VIOLATIONS) {
            String directive = inc.group(1);
            String arg = inc.group(2);
            Matcher lit = LITERAL.matcher(arg);
            if (!lit.lookingAt() || !REST_OF_INCLUDE.matcher(arg.substring(lit.end())).matches()) {
                out.add(pos.at(inc.start(), "<#" + directive + "> needs one quoted relative path (a string literal, not an expression), got "
                        + (arg.isBlank() ? "nothing" : abbreviate(arg.strip())) + "; write e.g. <#" + directive + " \"common.ftl\">"));
                continue;
            }
            String problem = includePathProblem(directive, lit.group(2));
            if (problem != null) out.add(pos.at(inc.start(), problem));
        }
        Matcher att = ATTEMPT.matcher(s);
        while (att.find() && out.size() < MAX_VIOLATIONS) {
            out.add(pos.at(att.start(), "<#" + att.group(1) + "> is not allowed in templates (errors must stop the render, "
                    + "not be hidden, and it buffers output outside the size cap); remove it"));
        }
        Matcher now = NOW.matcher(s);
        int[] lastOpen = {-1, -1, -1};
        while (now.find() && out.size() < MAX_VIOLATIONS) {
            if (insideInterpolationOrTag(s, now.start(), lastOpen)) {
                out.add(pos.at(now.start(), now.group(1).equals("now")
                        ? "the special variable .now is not allowed in templates (the prompt would change with the clock, "
                                + "so runs would not be reproducible); remove it"
                        : "the special variable ." + now.group(1) + " is not allowed in templates (it loads templates by a "
                                + "computed name); use <#include \"file.ftl\"> with a relative path of the same folder"));
            }
        }
        Matcher sq = SQUARE_TAG.matcher(s);
        while (sq.find() && out.size() < MAX_VIOLATIONS) {
            out.add(pos.at(sq.start(), "square-bracket tag syntax [#" + sq.group(1)
                    + "] is not supported; write <#" + sq.group(1) + " ...> instead"));
        }
        out.sort((a, b) -> a.line != b.line ? Integer.compare(a.line, b.line) : Integer.compare(a.column, b.column));
        return out;
    }

    /**
     * Why an include or import path is refused, or null: absolute paths and URLs, {@code ..}
     * segments, Freemarker's acquisition ({@code *} segments search the parent folders, so other
     * domains' folders) and interpolations in the path.
     */
    static String includePathProblem(String directive, String path) {
        String tag = "<#" + directive + " \"" + abbreviate(path) + "\">";
        if (path.startsWith("/") || path.startsWith("\\") || path.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            return tag + " uses an absolute path; templates may only " + directive + " files of their own domain folder by a relative path";
        }
        if (path.replace('\\', '/').matches("(^|.*/)\\.\\.(/.*|$)")) {
            return tag + " leaves the template's folder with '..'; templates may only " + directive + " files of their own domain folder";
        }
        if (path.contains("*")) {
            return tag + " uses '*' (template acquisition, which searches the parent folders); "
                    + "templates may only " + directive + " files of their own domain folder by their plain relative path";
        }
        if (path.contains("${") || path.contains("#{")) {
            return tag + " computes its path with an interpolation; write the relative path as plain text";
        }
        return null;
    }

    /**
     * True if offset lies inside a ${...} or an FTL tag, where .now would be an expression rather than
     * text. {@code lastOpen} carries the last opening (and its closing) found between calls, so that a scan over many
     * matches stays linear (offsets only grow).
     */
    private static boolean insideInterpolationOrTag(String s, int offset, int[] lastOpen) {
        int open = -1;
        for (int i = offset - 1; i > lastOpen[1]; i--) {
            if (i + 1 < s.length() && (s.charAt(i) == '$' || s.charAt(i) == '<') && "{#@".indexOf(s.charAt(i + 1)) >= 0
                    && (s.charAt(i) == '$') == (s.charAt(i + 1) == '{')) {
                open = i;
                break;
            }
        }
        if (open < 0) {
            open = lastOpen[0];
        } else {
            lastOpen[0] = open;
            lastOpen[2] = s.indexOf(s.startsWith("${", open) ? "}" : ">", open);
        }
        lastOpen[1] = offset;
        if (open < 0) return false;
        int close = lastOpen[2];
        return close < 0 || close > offset;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    static String reason(String builtin) {
        return switch (builtin) {
            case "new" -> "it instantiates Java classes";
            case "api" -> "it calls Java methods";
            default -> "it builds code from strings at render time";
        };
    }

    /**
     * Replaces FTL comments ({@code <#-- -->}, and {@code [#-- --]}, which Freemarker also accepts
     * inside expressions) by spaces, keeping line breaks so that positions stay right. One pass: an
     * unclosed comment runs to the end (Freemarker reports it as a syntax error).
     */
    static String blankComments(String source) {
        int n = source.length();
        StringBuilder sb = new StringBuilder(n);
        int i = 0;
        while (i < n) {
            char c = source.charAt(i);
            if ((c == '<' || c == '[') && source.startsWith("#--", i + 1)) {
                int close = source.indexOf(c == '<' ? "-->" : "--]", i + 4);
                int stop = close < 0 ? n : close + 3;
                for (int k = i; k < stop; k++) sb.append(source.charAt(k) == '\n' ? '\n' : ' ');
                i = stop;
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString();
    }

    /** 1-based line and column of offsets, from an index of line starts. */
    private static final class Positions {
        private final int[] lineStarts;

        Positions(String s) {
            int lines = 1;
            for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '\n') lines++;
            lineStarts = new int[lines];
            int k = 1;
            for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '\n') lineStarts[k++] = i + 1;
        }

        Violation at(int offset, String message) {
            int idx = java.util.Arrays.binarySearch(lineStarts, offset);
            int line = idx >= 0 ? idx : -idx - 2;
            return new Violation(line + 1, offset - lineStarts[line] + 1, message);
        }
    }
}
