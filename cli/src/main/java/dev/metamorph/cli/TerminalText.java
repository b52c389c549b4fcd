package dev.metamorph.cli;

/**
 * Text from data made safe to print on a terminal: control characters (C0 other than line feed and
 * tab, DEL, C1, which includes the escape sequences that move the cursor, recolour or retitle the
 * terminal), line and paragraph separators and the bidirectional overrides that reorder what is
 * shown are printed as visible escapes ({@code \x1b}, {@code \u202e}).
 */
final class TerminalText {
    private TerminalText() {}

    static String escape(String s) {
        if (s == null) return "null";
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (needsEscape(c)) {
                if (b == null) b = new StringBuilder(s.length() + 16).append(s, 0, i);
                b.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    private static boolean needsEscape(char c) {
        return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f';
    }
}
