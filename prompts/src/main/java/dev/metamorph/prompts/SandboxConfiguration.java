package dev.metamorph.prompts;

import freemarker.core.TemplateClassResolver;
import freemarker.core._CoreAPI;
import freemarker.template.Configuration;
import freemarker.template.SimpleObjectWrapper;
import freemarker.template.Template;
import freemarker.template.TemplateExceptionHandler;
import freemarker.template.TemplateModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.WeakHashMap;

/**
 * A Freemarker configuration for templates written outside the core team. It
 * <ul>
 *   <li>loads only {@code .ftl} files under one root ({@link RootedTemplateLoader}), each passing
 *       {@link TemplateSourceCheck} on its text and, once parsed, {@link TemplateTreeCheck} on
 *       what Freemarker will run (every template handed out, main and included);</li>
 *   <li>refuses {@code ?new} ({@link TemplateClassResolver#ALLOWS_NOTHING_RESOLVER}) and
 *       {@code ?api};</li>
 *   <li>wraps values with {@link SimpleObjectWrapper}, which refuses any Java object other than
 *       strings, numbers, booleans, lists and maps, so no Java method is ever reachable;</li>
 *   <li>exposes no shared variables (not even Freemarker's predefined utility directives);</li>
 *   <li>makes undefined variables errors ({@link TemplateExceptionHandler#RETHROW_HANDLER}), without
 *       logging them, since the caller reports them;</li>
 *   <li>adds thread-interruption checks to every loop of every template it hands out (main and
 *       included ones), so that a render can be stopped by interrupting its thread.</li>
 * </ul>
 * Output is plain text unless a template's escaping says otherwise.
 */
final class SandboxConfiguration extends Configuration {
    private final Set<Template> interruptible = Collections.newSetFromMap(new WeakHashMap<>());

    SandboxConfiguration(Path root) throws IOException {
        super(Configuration.VERSION_2_3_35);
        setTemplateLoader(new RootedTemplateLoader(root));
        setLocalizedLookup(false);
        setTemplateLookupStrategy(freemarker.cache.TemplateLookupStrategy.DEFAULT_2_3_0);
        setTagSyntax(ANGLE_BRACKET_TAG_SYNTAX);
        setInterpolationSyntax(DOLLAR_INTERPOLATION_SYNTAX);
        setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        setAPIBuiltinEnabled(false);
        setObjectWrapper(new SimpleObjectWrapper(Configuration.VERSION_2_3_35));
        setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        setAttemptExceptionReporter((te, env) -> { });
        setLogTemplateExceptions(false);
        setWrapUncheckedExceptions(true);
        setFallbackOnNullLoopVariable(false);
        setOutputFormat(freemarker.core.PlainTextOutputFormat.INSTANCE);
        setRecognizeStandardFileExtensions(false);
        setAutoEscapingPolicy(ENABLE_IF_SUPPORTED_AUTO_ESCAPING_POLICY);
        setDefaultEncoding("UTF-8");
        setLocale(Locale.ROOT);
        setTimeZone(TimeZone.getTimeZone("UTC"));
        setNumberFormat("computer");
        setBooleanFormat("c");
        setTemplateUpdateDelayMilliseconds(Long.MAX_VALUE);
        setShowErrorTips(true);
        clearTemplateCache();
    }

    /** No shared variables: a template sees only the data model it is given. */
    @Override
    public TemplateModel getSharedVariable(String name) {
        return null;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Set getSharedVariableNames() {
        return Set.of();
    }

    /** Every template handed out (also for {@code <#include>}/{@code <#import>}) checks for thread interruption in its loops. */
    @Override
    public Template getTemplate(String name, Locale locale, Object customLookupCondition, String encoding,
            boolean parseAsFTL, boolean ignoreMissing) throws IOException {
        Template t = super.getTemplate(name, locale, customLookupCondition, encoding, parseAsFTL, ignoreMissing);
        if (t != null) {
            synchronized (interruptible) {
                if (!interruptible.contains(t)) {
                    TemplateSourceCheck.Violation v = TemplateTreeCheck.check(t);
                    if (v != null) throw new RootedTemplateLoader.RefusedTemplateException(t.getSourceName(), v.line(), v.column(), v.message());
                    _CoreAPI.addThreadInterruptedChecks(t);
                    interruptible.add(t);
                }
            }
        }
        return t;
    }

    /** Unused here; present so that Map-based settings cannot add shared variables. */
    @Override
    public void setSharedVariables(Map<String, ?> map) {
        throw new UnsupportedOperationException("sandboxed templates get no shared variables");
    }
}
