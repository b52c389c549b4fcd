package dev.metamorph.core.config;

/**
 * Measures how deeply a HOCON text nests before Typesafe Config parses it: its parser and merger
 * recurse once per level, so {@code [[[[...} or {@code a.a.a.a...=1} a few thousand deep end in a
 * StackOverflowError. One linear pass over the text, outside quoted strings and comments: the
 * depth at a point is the number of open {@code {} and {@code [} plus the dots of the unquoted word
 * being read (a dotted key nests one object per dot).
 */
public final class HoconDepth {
    /** The deepest nesting accepted in configuration files, templates.conf and overrides. */
    public static final int MAX_DEPTH = 64;

    private HoconDepth() {}

    /** Where a text first nests deeper than allowed: 1-based line, and the depth reached. */
    public record TooDeep(int line, int depth) {}

    /** The first place where {@code text} nests deeper than {@code maxDepth}, or null. */
    public static TooDeep check(String text, int maxDepth) {
        int depth = 0;
        int dots = 0;
        int line = 1;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                dots = 0;
                i++;
            } else if (c == '"') {
                dots = 0;
                if (text.startsWith("\"\"\"", i)) {
                    int end = text.indexOf("\"\"\"", i + 3);
                    int stop = end < 0 ? n : end + 3;
                    for (int k = i; k < stop; k++) if (text.charAt(k) == '\n') line++;
                    i = stop;
                } else {
                    i++;
                    while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') i += text.charAt(i) == '\\' ? 2 : 1;
                    i++;
                }
            } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                while (i < n && text.charAt(i) != '\n') i++;
            } else if (c == '{' || c == '[') {
                depth++;
                dots = 0;
                if (depth > maxDepth) return new TooDeep(line, depth);
                i++;
            } else if (c == '}' || c == ']') {
                depth = Math.max(0, depth - 1);
                dots = 0;
                i++;
            } else if (c == '.') {
                dots++;
                if (depth + dots > maxDepth) return new TooDeep(line, depth + dots);
                i++;
            } else {
                if (Character.isWhitespace(c) || c == ',' || c == ':' || c == '=') dots = 0;
                i++;
            }
        }
        return null;
    }

    /** The standard message for a text nested too deeply at {@code where} (a file:line or an override). */
    public static String message(String where, TooDeep d, int maxDepth) {
        return where + ": nests " + d.depth() + " levels deep (objects, lists or dotted key segments), more than the "
                + maxDepth + " allowed; flatten it";
    }
}
