package dev.metamorph.core.config;

import com.typesafe.config.ConfigException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mistake in the user's configuration or overrides. The message is meant to be printed as it is:
 * it says what is wrong, where it was set (file:line or {@code override #k 'text'}) and what to do.
 */
public class ConfigError extends RuntimeException {
    public ConfigError(String message) {
        super(message);
    }

    public ConfigError(String message, Throwable cause) {
        super(message, cause);
    }

    private static final Pattern AT_KEY = Pattern.compile("^(?:Invalid value at|Invalid path|Configuration key) '([^']*)':? ");

    /**
     * A Typesafe Config error raised while a config record was read (a value out of range, an
     * unknown key) as the user should see it: without Typesafe's origin prefix (a merge of files
     * and jar URLs) and naming where the key was set as typed ({@code override #1 'maml.inner-steps=-1'}
     * or {@code configs/maml/default.conf:3}), from the composition's origins.
     */
    public static ConfigError explained(ConfigException e, Map<String, String> origins) {
        String msg = message(e);
        // the keys the message names; those set by an override first, since the override is what the user typed
        java.util.List<String> named = origins.keySet().stream().filter(k -> mentions(msg, k)).sorted().toList();
        java.util.List<String> typedNamed = named.stream().filter(k -> origins.get(k).startsWith("override #")).toList();
        java.util.List<String> shown = !typedNamed.isEmpty() ? typedNamed
                : named.stream().max(java.util.Comparator.comparingInt(String::length)).map(java.util.List::of).orElse(java.util.List.of());
        if (!shown.isEmpty()) {
            return new ConfigError(msg + " (" + String.join("; ", shown.stream().map(k -> k + " set at " + origins.get(k)).toList()) + ")", e);
        }
        // the record named only its namespace ("Invalid value at 'maml'"): name the overrides under it
        Matcher m = AT_KEY.matcher(e.getMessage() == null ? "" : e.getMessage().substring(Math.min(e.getMessage().length(),
                e.origin() == null ? 0 : e.origin().description().length())).replaceFirst("^:\\s*", ""));
        if (m.find()) {
            String prefix = m.group(1) + ".";
            java.util.List<String> typed = origins.entrySet().stream()
                    .filter(o -> o.getKey().startsWith(prefix) && o.getValue().startsWith("override #"))
                    .map(o -> o.getKey() + " set at " + o.getValue()).toList();
            if (!typed.isEmpty()) return new ConfigError(msg + " (" + String.join("; ", typed) + ")", e);
        }
        return new ConfigError(msg, e);
    }

    /** A Typesafe Config error's message without its origin prefix and without a leading "Invalid value at 'x': " that the rest repeats. */
    public static String message(ConfigException e) {
        String msg = e.getMessage() == null ? "invalid configuration" : e.getMessage();
        if (e.origin() != null) {
            String d = e.origin().description();
            if (msg.startsWith(d)) msg = msg.substring(d.length()).replaceFirst("^:\\s*", "");
        }
        Matcher m = AT_KEY.matcher(msg);
        if (m.find() && msg.substring(m.end()).contains(m.group(1))) msg = msg.substring(m.end());
        return msg;
    }

    private static boolean mentions(String msg, String key) {
        for (int i = msg.indexOf(key); i >= 0; i = msg.indexOf(key, i + 1)) {
            int end = i + key.length();
            boolean startOk = i == 0 || !(Character.isLetterOrDigit(msg.charAt(i - 1)) || msg.charAt(i - 1) == '.' || msg.charAt(i - 1) == '-');
            boolean endOk = end == msg.length() || !(Character.isLetterOrDigit(msg.charAt(end)) || msg.charAt(end) == '-'
                    || (msg.charAt(end) == '.' && end + 1 < msg.length() && Character.isLetterOrDigit(msg.charAt(end + 1))));
            if (startOk && endOk) return true;
        }
        return false;
    }

    /**
     * An error at one character of an override: the message, then the override and a caret line
     * pointing at {@code column} (0-based).
     */
    static ConfigError atColumn(int index, String text, int column, String message) {
        int col = Math.max(0, Math.min(column, text.length()));
        // show at most a window of the text around the column, control characters as '?', so the caret lines up
        int from = Math.max(0, col - 60);
        int to = Math.min(text.length(), col + 60);
        String shown = (from > 0 ? "..." : "") + visible(text.substring(from, to)) + (to < text.length() ? "..." : "");
        int caret = col - from + (from > 0 ? 3 : 0);
        String whole = text.length() <= 120 ? visible(text) : shown;
        return new ConfigError("Bad override #" + index + " '" + whole + "': " + message + " (column " + (col + 1) + ")\n"
                + "    " + shown + "\n"
                + "    " + " ".repeat(caret) + "^");
    }

    /** Text safe to print on a terminal: control characters become '?'. */
    static String visible(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || (c >= 0x7f && c < 0xa0) ? '?' : c);
        }
        return b.toString();
    }
}
