package dev.metamorph.report;

import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The report's own Freemarker templates ({@code dev/metamorph/report/*.ftl[h]} on the class path;
 * {@code .ftlh} files escape HTML automatically). Strict: an undefined name is an error naming
 * template:line, as for the prompt templates; no Java objects are reachable from a template, which
 * sees only maps, lists, strings, numbers and booleans. Thread-safe once built.
 */
final class ReportTemplates {
    private static final Configuration FREEMARKER = configuration();

    private ReportTemplates() {}

    private static Configuration configuration() {
        Configuration c = new Configuration(Configuration.VERSION_2_3_32);
        c.setClassForTemplateLoading(ReportTemplates.class, "/dev/metamorph/report");
        c.setDefaultEncoding(StandardCharsets.UTF_8.name());
        c.setLocale(Locale.ROOT);
        c.setNumberFormat("computer");
        c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        c.setLogTemplateExceptions(false);
        c.setWrapUncheckedExceptions(true);
        c.setFallbackOnNullLoopVariable(false);
        c.setAPIBuiltinEnabled(false);
        c.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        c.setRecognizeStandardFileExtensions(true);
        return c;
    }

    /** Renders template {@code name} with {@code model}. */
    static String render(String name, Map<String, Object> model) {
        try {
            Template t = FREEMARKER.getTemplate(name);
            StringWriter out = new StringWriter();
            t.process(model, out);
            return out.toString();
        } catch (TemplateException e) {
            throw new IllegalStateException("The report template " + e.getTemplateSourceName() + ":" + e.getLineNumber() + " failed: " + e.getMessageWithoutStackTop(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load the report template " + name + ": " + e.getMessage(), e);
        }
    }
}
