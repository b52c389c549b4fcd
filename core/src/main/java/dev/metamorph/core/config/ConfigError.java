package dev.metamorph.core.config;

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

    /**
     * An error at one character of an override: the message, then the override and a caret line
     * pointing at {@code column} (0-based).
     */
    static ConfigError atColumn(int index, String text, int column, String message) {
        int col = Math.max(0, Math.min(column, text.length()));
        return new ConfigError("Bad override #" + index + " '" + text + "': " + message + " (column " + (col + 1) + ")\n"
                + "    " + text + "\n"
                + "    " + " ".repeat(col) + "^");
    }
}
