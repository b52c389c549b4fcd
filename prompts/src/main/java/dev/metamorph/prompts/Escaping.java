package dev.metamorph.prompts;

import freemarker.core.HTMLOutputFormat;
import freemarker.core.OutputFormat;
import freemarker.core.PlainTextOutputFormat;
import freemarker.core.XMLOutputFormat;
import java.util.Locale;

/** Output escaping of a template's {@code ${...}} interpolations: none (plain text), HTML or XML. */
public enum Escaping {
    PLAIN(PlainTextOutputFormat.INSTANCE),
    HTML(HTMLOutputFormat.INSTANCE),
    XML(XMLOutputFormat.INSTANCE);

    private final OutputFormat format;

    Escaping(OutputFormat format) {
        this.format = format;
    }

    OutputFormat outputFormat() {
        return format;
    }

    /** Parses {@code plain}, {@code html} or {@code xml} (any case). */
    public static Escaping parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be one of plain, html, xml; got '" + s + "'");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
