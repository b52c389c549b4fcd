package dev.metamorph.pipeline.export;

import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.prompts.PromptRenderer;
import dev.metamorph.prompts.PromptsConfig;
import dev.metamorph.prompts.TemplateRegistry;
import dev.metamorph.prompts.TemplateSpec;
import java.util.Map;

/**
 * A loaded bundle ready to answer: its classifier over the bundle's own templates, tokenizer,
 * parameters, domain centre (subtracted from the shared base's pooled embeddings) and head (the
 * evaluation's, fitted once on the bundle's support records). Close it to release its template registry (its extracted folder is the caller's).
 */
public record ServedAdapter(AdapterBundle.Loaded bundle, AdapterClassifier classifier, TemplateSpec template, TemplateRegistry templates) implements AutoCloseable {

    /**
     * Builds the classifier of a loaded bundle (embeds the support records: one adapter pass).
     *
     * @param base the shared base's featurizer (model over a base), ignored without a base
     */
    public static ServedAdapter open(AdapterBundle.Loaded b, AdapterClassifier.Featurizer base) {
        PromptsConfig d = PromptsConfig.defaults();
        TemplateRegistry registry;
        try {
            registry = TemplateRegistry.open(new PromptsConfig(b.templatesRoot(), Map.of(b.domain(), b.templateId()), d.maxOutputChars(), d.renderTimeLimitMs(), d.escaping()));
        } catch (RuntimeException e) {
            throw new BundleException(b.dir() + ": the bundle's templates do not open: " + e.getMessage(), e);
        }
        try {
            PromptRenderer renderer = registry.renderer(b.templateId());
            AdapterClassifier.Featurizer f = b.config().hasBase() ? base : AdapterClassifier.Featurizer.bpe(b.tokenizer());
            if (f == null) throw new IllegalArgumentException("The adapter reads a base but no base featurizer was given");
            if (b.centre() != null) f = AdapterClassifier.Featurizer.centred(f, b.centre(), b.config().maxLength());
            AdapterClassifier.Lexical lex = b.lexical() == null ? null : new AdapterClassifier.Lexical(b.lexical(), b.lexicalGain());
            AdapterClassifier c = new AdapterClassifier(b.config(), b.theta(), b.labels(), renderer::render, f, lex, b.head(), b.support());
            return new ServedAdapter(b, c, renderer.spec(), registry);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    @Override
    public void close() {
        templates.close();
    }
}
