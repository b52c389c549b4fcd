package dev.metamorph.prompts;

/**
 * A template that cannot be loaded or rendered: the message starts with
 * {@code template:line:col} when the place is known, then says what went wrong and what to do.
 */
public class PromptRenderException extends RuntimeException {
    private final String template;
    private final int line;
    private final int column;

    public PromptRenderException(String template, int line, int column, String message, Throwable cause) {
        super(place(template, line, column) + message, cause);
        this.template = template;
        this.line = line;
        this.column = column;
    }

    public PromptRenderException(String template, int line, int column, String message) {
        this(template, line, column, message, null);
    }

    /** The template's name relative to the templates root ({@code gcide/definition.ftl}), or null. */
    public String template() {
        return template;
    }

    /** 1-based line of the failing instruction, 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column of the failing instruction, 0 when unknown. */
    public int column() {
        return column;
    }

    static String place(String template, int line, int column) {
        if (template == null) return "";
        if (line <= 0) return template + ": ";
        return template + ":" + line + ":" + Math.max(column, 1) + ": ";
    }
}
