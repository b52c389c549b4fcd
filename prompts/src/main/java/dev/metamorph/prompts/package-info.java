/**
 * Prompt templates per domain: {@code templates/<domain>/*.ftl} with metadata in
 * {@code templates.conf}, rendered by a Freemarker engine locked down for untrusted templates
 * (no Java access, root-confined loading, output cap, time limit, undefined names are errors).
 * Entry points: {@link dev.metamorph.prompts.TemplateRegistry#open} then
 * {@code forDomain(domain).render(record)}, or {@link dev.metamorph.prompts.PromptRenderer#forDomain};
 * {@link dev.metamorph.prompts.TemplateLinter} checks a templates root.
 */
package dev.metamorph.prompts;
